package io.vigil.net.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Native memory one thread reuses for every socket call it makes (errno capture, option values, addresses, iovecs),
 * so that no call allocates native memory. (Reads and writes still allocate a little on the heap: the JDK slices the
 * errno capture segment per downcall and {@code MemorySegment.ofBuffer} wraps the buffer; README, "Vigil's own
 * socket layer".) One per thread, never shared.
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
    }

    static Scratch get()
    {
        return PER_THREAD.get();
    }
}
