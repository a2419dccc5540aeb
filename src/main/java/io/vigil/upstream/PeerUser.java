package io.vigil.upstream;

/**
 * A session that holds a peer and must hear when a health check marks it down (on-down = close-sessions).
 */
public interface PeerUser
{
    /**
     * Called on the session's loop thread.
     *
     * @param down the peer marked down.
     */
    void onPeerDown(Peer down);
}
