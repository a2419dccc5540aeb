package io.vigil.net.kernel;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.net.SocketException;

/**
 * read, write and writev at native addresses, without allocating: first through a handle that does not capture errno
 * (the JDK slices the capture segment on every call, 40 bytes that C2 removes only when it inlines the whole
 * downcall, in about two runs of three), and only when that call fails, once more through the capturing handle,
 * whose errno is the answer (EAGAIN, an error that stays, or data that came in between). One failure does not repeat:
 * a socket error (a reset, a timeout) is consumed by the call that reports it, and the retry then sees only what it
 * left behind (end of stream, EPIPE); then the first call's errno, read from the thread's errno right after it, is
 * used instead, for a read only once TCP_INFO says the connection is closed (a reset or a timeout closes it; an end
 * of stream that came in between leaves it in CLOSE_WAIT, and stays an end of stream). That errno is a hint only (the
 * JVM may overwrite errno between calls): a wrong one could only change the reason a dead connection is closed with.
 * Vigil's relay reads until a short read and writes until a short write, so the retry is rare (a spurious wake-up,
 * backpressure, an error).
 * <p>A hint of EAGAIN is taken as it is, without the second call: it is the everyday failure (the pool's probe read
 * before every reused POST, backpressure), and repeating each one doubled its syscalls. Should the JVM have overwritten
 * a real error with EAGAIN, nothing is lost: the selector is level-triggered, so the socket, readable or writable
 * again through its end of stream or error state, is reported once more, and the next call meets what remains of
 * that failure (end of stream, EPIPE), as it does above after a consumed error.
 */
final class SocketCalls
{
    /** Returned for EAGAIN: nothing to read or no room to write now. */
    static final long AGAIN = -2;
    /** Returned by read for the end of the stream. */
    static final long EOF = -1;

    private static final int EPIPE = 32;
    private static final int TCP_CLOSE = 7;

    private SocketCalls()
    {
    }

    /**
     * @return bytes read (more than 0), {@link #EOF} or {@link #AGAIN}.
     */
    static long read(final Scratch scratch, final int fd, final long address, final long length) throws IOException
    {
        try
        {
            final long n = (long)Native.READ_UNCAPTURED.invokeExact(fd, address, length);
            if (n >= 0)
            {
                return n == 0 ? EOF : n;
            }
            final int first = scratch.lastErrno();
            if (first == Native.EAGAIN)
            {
                return AGAIN; // the everyday failure, taken from the hint: see the class comment
            }
            while (true)
            {
                final long again = (long)Native.READ_ADDRESS.invokeExact(scratch.state, fd, address, length);
                if (again > 0)
                {
                    return again;
                }
                if (again == 0)
                {
                    if (isConsumedError(first) && closed(scratch, fd))
                    {
                        throw readError(first);
                    }
                    return EOF;
                }
                final int errno = Native.errno(scratch.state);
                if (errno == Native.EAGAIN)
                {
                    return AGAIN;
                }
                if (errno != Native.EINTR)
                {
                    throw readError(errno);
                }
            }
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("read failed", ex);
        }
    }

    /**
     * @return bytes written (0 or more), or {@link #AGAIN}.
     */
    static long write(final Scratch scratch, final int fd, final long address, final long length) throws IOException
    {
        try
        {
            final long n = (long)Native.WRITE_UNCAPTURED.invokeExact(fd, address, length);
            if (n >= 0)
            {
                return n;
            }
            final int first = scratch.lastErrno();
            if (first == Native.EAGAIN)
            {
                return AGAIN; // the everyday failure, taken from the hint: see the class comment
            }
            while (true)
            {
                final long again = (long)Native.WRITE_ADDRESS.invokeExact(scratch.state, fd, address, length);
                if (again >= 0)
                {
                    return again;
                }
                final int errno = Native.errno(scratch.state);
                if (errno != Native.EINTR)
                {
                    return writeOutcome(first, errno);
                }
            }
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("write failed", ex);
        }
    }

    /**
     * @param count iovecs filled in {@code scratch.iovecs}.
     * @return bytes written (0 or more), or {@link #AGAIN}.
     */
    static long writev(final Scratch scratch, final int fd, final int count) throws IOException
    {
        try
        {
            final long n = (long)Native.WRITEV_UNCAPTURED.invokeExact(fd, scratch.iovecs, count);
            if (n >= 0)
            {
                return n;
            }
            final int first = scratch.lastErrno();
            if (first == Native.EAGAIN)
            {
                return AGAIN; // the everyday failure, taken from the hint: see the class comment
            }
            while (true)
            {
                final long again = (long)Native.WRITEV.invokeExact(scratch.state, fd, scratch.iovecs, count);
                if (again >= 0)
                {
                    return again;
                }
                final int errno = Native.errno(scratch.state);
                if (errno != Native.EINTR)
                {
                    return writeOutcome(first, errno);
                }
            }
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("writev failed", ex);
        }
    }

    private static long writeOutcome(final int first, final int errno) throws IOException
    {
        if (errno == Native.EAGAIN)
        {
            return AGAIN;
        }
        // EPIPE after a consumed reset: the first call's error says why (both close the connection)
        throw KernelFd.error(errno == EPIPE && isConsumedError(first) ? first : errno);
    }

    private static boolean isConsumedError(final int errno)
    {
        return errno > 0 && errno != Native.EAGAIN && errno != Native.EINTR && errno != EPIPE;
    }

    private static boolean closed(final Scratch scratch, final int fd)
    {
        scratch.length.set(ValueLayout.JAVA_INT, 0, 8);
        try
        {
            final int rc = (int)Native.GETSOCKOPT.invokeExact(scratch.state, fd, Native.IPPROTO_TCP, Native.TCP_INFO,
                scratch.tcpInfo, scratch.length);
            return rc == 0 && scratch.tcpInfo.get(ValueLayout.JAVA_BYTE, 0) == TCP_CLOSE;
        }
        catch (final Throwable ex)
        {
            return false;
        }
    }

    static IOException readError(final int errno)
    {
        return errno == Native.ECONNRESET ? new SocketException("Connection reset") : KernelFd.error(errno);
    }

}
