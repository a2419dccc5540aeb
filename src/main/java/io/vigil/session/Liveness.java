package io.vigil.session;

import io.vigil.loop.EventLoop;
import io.vigil.net.SocketProbe;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * Asks the kernel about sockets epoll cannot see. A channel whose interest ops are 0 (reads paused by
 * backpressure, or input ended with nothing to write) is removed from epoll by the JDK, so a keepalive verdict or
 * a reset on it would go unnoticed until the other side moves. While a session has such a socket it checks it
 * every {@link #CHECK_NS} with poll(2); only POLLERR means dead (see {@link SocketProbe}).
 */
public final class Liveness
{
    /** How often a socket that epoll cannot see is asked whether it failed. */
    public static final long CHECK_NS = EventLoop.LIVENESS_CHECK_NS;
    /** {@link #failedErrno} result for a socket that is fine (or visible to epoll). */
    public static final int ALIVE = -1;

    private Liveness()
    {
    }

    /**
     * @return true when probing works in this JVM (see {@link SocketProbe#available()}).
     */
    public static boolean available()
    {
        return SocketProbe.available();
    }

    /**
     * @param key a socket's key, or null.
     * @return true when the socket is registered but invisible to epoll (interest ops 0).
     */
    public static boolean blind(final SelectionKey key)
    {
        return key != null && key.isValid() && key.interestOps() == 0;
    }

    /**
     * @param key a socket's key (its channel must be a SocketChannel).
     * @return the socket's pending errno (0 when POLLERR came without one) when it is blind and has failed,
     *         else {@link #ALIVE}.
     */
    public static int failedErrno(final SelectionKey key)
    {
        if (!blind(key))
        {
            return ALIVE;
        }
        final SocketChannel channel = (SocketChannel)key.channel();
        return SocketProbe.hasFailed(channel) ? SocketProbe.pendingError(channel) : ALIVE;
    }
}
