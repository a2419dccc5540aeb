package io.vigil.net;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * setsockopt/getsockopt of TCP_USER_TIMEOUT through the Foreign Function &amp; Memory API (Java 22+): the
 * multi-release jar's {@code META-INF/versions/22} copy of this class. Linux values: IPPROTO_TCP = 6,
 * TCP_USER_TIMEOUT = 18, an int of milliseconds. Errors carry errno, captured by the linker.
 */
public final class KernelUserTimeout
{
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_USER_TIMEOUT = 18;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle GETSOCKOPT;
    private static final String UNAVAILABLE_REASON;

    static
    {
        MethodHandle set = null;
        MethodHandle get = null;
        String reason = null;
        try
        {
            set = link("setsockopt", ValueLayout.JAVA_INT);
            get = link("getsockopt", ValueLayout.ADDRESS);
        }
        catch (final RuntimeException ex)
        {
            reason = "cannot link setsockopt through the Foreign Function & Memory API: " + ex;
            set = null;
            get = null;
        }
        SETSOCKOPT = set;
        GETSOCKOPT = get;
        UNAVAILABLE_REASON = reason;
    }

    private KernelUserTimeout()
    {
    }

    /** int NAME(int fd, int level, int option, void *value, LENGTH length), capturing errno. */
    @SuppressWarnings("restricted") // Vigil's jar declares Enable-Native-Access; a warning at most without it
    private static MethodHandle link(final String name, final ValueLayout length)
    {
        final Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, length), Linker.Option.captureCallState("errno"));
    }

    /**
     * @return why the kernel option cannot be set from this JVM, or null when it can.
     */
    public static String unavailableReason()
    {
        return UNAVAILABLE_REASON;
    }

    /**
     * @param fd a TCP socket's file descriptor.
     * @param ms the timeout in milliseconds; 0 turns it off.
     * @throws IOException when the kernel refuses (errno in the message).
     */
    public static void set(final int fd, final int ms) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_INT, ms);
            final MemorySegment state = arena.allocate(CAPTURE);
            final int rc = (int)SETSOCKOPT.invokeExact(state, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, value,
                (int)ValueLayout.JAVA_INT.byteSize());
            if (rc != 0)
            {
                throw new IOException("setsockopt(TCP_USER_TIMEOUT) failed: errno " + (int)ERRNO.get(state, 0L));
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("setsockopt(TCP_USER_TIMEOUT) failed", ex);
        }
    }

    /**
     * @param fd a TCP socket's file descriptor.
     * @return the timeout in milliseconds.
     * @throws IOException when the kernel refuses (errno in the message).
     */
    public static int get(final int fd) throws IOException
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            final MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, (int)ValueLayout.JAVA_INT.byteSize());
            final MemorySegment state = arena.allocate(CAPTURE);
            final int rc = (int)GETSOCKOPT.invokeExact(state, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, value, length);
            if (rc != 0)
            {
                throw new IOException("getsockopt(TCP_USER_TIMEOUT) failed: errno " + (int)ERRNO.get(state, 0L));
            }
            return value.get(ValueLayout.JAVA_INT, 0);
        }
        catch (final IOException | RuntimeException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("getsockopt(TCP_USER_TIMEOUT) failed", ex);
        }
    }
}
