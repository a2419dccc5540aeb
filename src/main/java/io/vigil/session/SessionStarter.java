package io.vigil.session;

/**
 * Starts the session a listener's mode calls for (tcp relay or HTTP) on an accepted socket, on the shard's loop.
 * Must not throw: a failure closes the socket and is logged as the session's end.
 */
@FunctionalInterface
public interface SessionStarter
{
    /**
     * @param shard  the listener's presence on the accepting loop.
     * @param client the accepted, tuned, non-blocking socket and the client's address.
     */
    void start(ListenerShard shard, Downstream client);
}
