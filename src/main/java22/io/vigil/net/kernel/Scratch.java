package io.vigil.net.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Native memory one thread reuses for every socket call it makes (errno capture, option values, addresses, iovecs),
 * so that no call allocates native memory. (Reads and writes of direct buffers allocate nothing on the heap either:
 * see SocketCalls and DirectAddress; a heap buffer still costs a segment per call.) One per thread, never shared.
 */
final class Scratch
{
    static final int IOV_MAX_USED = 64;
    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);

    final MemorySegment state;
    final MemorySegment value;
    final MemorySegment length;
    final MemorySegment address;
    final MemorySegment iovecs;
    /** struct tcp_info is ~232 bytes; its first byte is the state. */
    final MemorySegment tcpInfo;
    final MemorySegment pollFd;
    /** This thread's errno (glibc's __errno_location, fixed for a platform thread's life). */
    private final MemorySegment errno;

    private Scratch()
    {
        final Arena arena = Arena.ofAuto();
        state = arena.allocate(Native.CAPTURE);
        value = arena.allocate(16, 8);
        length = arena.allocate(ValueLayout.JAVA_INT);
        address = arena.allocate(Native.SOCKADDR_BYTES, 8);
        iovecs = arena.allocate(16L * IOV_MAX_USED, 8);
        tcpInfo = arena.allocate(256, 8);
        pollFd = arena.allocate(8, 4);
        errno = errnoCell();
    }

    @SuppressWarnings("restricted") // glibc's errno cell of this thread: an int
    private static MemorySegment errnoCell()
    {
        try
        {
            return ((MemorySegment)Native.ERRNO_LOCATION.invokeExact()).reinterpret(4);
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("__errno_location failed", ex);
        }
    }

    /**
     * @return errno as the last call on this thread left it: a hint, since the JVM may have overwritten it since.
     */
    int lastErrno()
    {
        return errno.get(ValueLayout.JAVA_INT, 0);
    }

    static Scratch get()
    {
        return PER_THREAD.get();
    }
}
