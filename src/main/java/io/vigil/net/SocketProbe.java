package io.vigil.net;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.SocketChannel;

/**
 * Asks the kernel whether a socket has failed, without reading from it: poll(2) revents and SO_ERROR.
 *
 * <p>Why: a channel whose interest ops are 0 (its reads paused for backpressure, or its input at EOF with
 * nothing to write) is removed from epoll by the JDK, so a keepalive verdict (ETIMEDOUT) or a reset on it would
 * go unnoticed until the other side moves. NIO has no public poll or SO_ERROR, so this reaches the JDK's own
 * {@code sun.nio.ch.Net} through method handles; it needs {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}
 * (set by bin/vigil and in the jar manifest). Without it {@link #available()} is false and paused sockets are
 * only noticed when they resume or by proxy-timeout.
 *
 * <p>Thread safety: stateless; safe from any thread.
 */
public final class SocketProbe
{
    private static final int SOL_SOCKET = 1;
    private static final int SO_ERROR = 4;
    private static final int POLLERR = 8;

    private static final MethodHandle GET_FD;
    private static final MethodHandle POLL_NOW;
    private static final MethodHandle GET_INT_OPTION;
    private static final int FAILED_EVENTS;
    private static final String UNAVAILABLE_REASON;

    static
    {
        MethodHandle getFd = null;
        MethodHandle pollNow = null;
        MethodHandle getIntOption = null;
        int failedEvents = 0;
        String reason = null;
        try
        {
            final Class<?> net = Class.forName("sun.nio.ch.Net");
            final Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
            final MethodHandles.Lookup netLookup = MethodHandles.privateLookupIn(net, MethodHandles.lookup());
            final MethodHandles.Lookup chLookup = MethodHandles.privateLookupIn(selChImpl, MethodHandles.lookup());
            getFd = chLookup.findVirtual(selChImpl, "getFD", MethodType.methodType(FileDescriptor.class))
                .asType(MethodType.methodType(FileDescriptor.class, SocketChannel.class));
            pollNow = netLookup.findStatic(net, "pollNow",
                MethodType.methodType(int.class, FileDescriptor.class, int.class));
            getIntOption = netLookup.findStatic(net, "getIntOption0",
                MethodType.methodType(int.class, FileDescriptor.class, boolean.class, int.class, int.class));
            // POLLERR only: POLLHUP on a TCP socket means both directions are shut (the peer's FIN arrived and we
            // shut our side), possibly with unread bytes still queued. That is "read on", not a dead peer.
            failedEvents = (short)netLookup.findStaticGetter(net, "POLLERR", short.class).invokeExact();
        }
        catch (final Throwable ex)
        {
            getFd = null;
            reason = ex.toString();
        }
        GET_FD = getFd;
        POLL_NOW = pollNow;
        GET_INT_OPTION = getIntOption;
        FAILED_EVENTS = failedEvents;
        UNAVAILABLE_REASON = reason;
    }

    private SocketProbe()
    {
    }

    /**
     * @return true when this JVM lets Vigil probe sockets.
     */
    public static boolean available()
    {
        return GET_FD != null;
    }

    /**
     * @return why probing is unavailable, or null when it is available.
     */
    public static String unavailableReason()
    {
        return UNAVAILABLE_REASON;
    }

    /**
     * @param channel a connected socket.
     * @return true when poll(2) reports POLLERR for it: a pending socket error (reset, keepalive or
     *         retransmission timeout). A hang-up alone is not a failure: bytes may still wait to be read.
     */
    public static boolean hasFailed(final SocketChannel channel)
    {
        if (channel instanceof NativeSocket socket)
        {
            try
            {
                return (socket.pollNow() & POLLERR) != 0;
            }
            catch (final IOException ex)
            {
                return true; // closed: the caller closes it
            }
        }
        if (GET_FD == null)
        {
            return false;
        }
        try
        {
            final FileDescriptor fd = (FileDescriptor)GET_FD.invokeExact(channel);
            final int revents = (int)POLL_NOW.invokeExact(fd, 0);
            return (revents & FAILED_EVENTS) != 0;
        }
        catch (final Throwable ex)
        {
            // a closed channel or fd: treat as failed, the caller closes it
            return true;
        }
    }

    /**
     * Read and clear the socket's pending error (getsockopt SO_ERROR).
     *
     * @param channel a socket.
     * @return the errno, 0 when none is pending or it cannot be read.
     */
    public static int pendingError(final SocketChannel channel)
    {
        if (channel instanceof NativeSocket socket)
        {
            try
            {
                return socket.intOption(SOL_SOCKET, SO_ERROR);
            }
            catch (final IOException ex)
            {
                return 0;
            }
        }
        if (GET_FD == null)
        {
            return 0;
        }
        try
        {
            final FileDescriptor fd = (FileDescriptor)GET_FD.invokeExact(channel);
            return (int)GET_INT_OPTION.invokeExact(fd, false, SOL_SOCKET, SO_ERROR);
        }
        catch (final Throwable ex)
        {
            return 0;
        }
    }
}
