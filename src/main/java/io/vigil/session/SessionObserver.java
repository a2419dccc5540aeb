package io.vigil.session;


import java.nio.channels.SocketChannel;

/**
 * Hooks into a session's life, called on the owning loop's thread; for tests and embedding. Implementations
 * must be quick and must not keep the channels.
 */
public interface SessionObserver
{
    /** Observes nothing. */
    SessionObserver NONE = new SessionObserver()
    {
    };

    /**
     * Both sides are connected and tuned; relaying starts.
     *
     * @param listener   the listener's name.
     * @param downstream the accepted socket.
     * @param upstream   the upstream socket.
     */
    default void onEstablished(final String listener, final SocketChannel downstream, final SocketChannel upstream)
    {
    }

    /**
     * The session ended and both sockets are closed.
     *
     * @param listener the listener's name.
     * @param reason   why.
     * @param side     which end the reason came from.
     */
    default void onClosed(final String listener, final CloseReason reason, final Side side)
    {
    }
}
