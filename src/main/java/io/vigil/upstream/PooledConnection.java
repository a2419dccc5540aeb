package io.vigil.upstream;

import io.vigil.loop.SelectHandler;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One upstream connection, pooled or in use. Owned by the pool's loop.
 */
public final class PooledConnection implements SelectHandler
{
    final ConnectionPool pool;
    final SocketChannel channel;
    final SelectionKey key;
    final Peer peer;
    final long createdNs;
    int requests;
    long idleDeadlineNs;
    boolean idle;
    PooledConnection older;
    PooledConnection newer;

    PooledConnection(
        final ConnectionPool pool, final SocketChannel channel, final SelectionKey key, final Peer peer,
        final long createdNs)
    {
        this.pool = pool;
        this.channel = channel;
        this.key = key;
        this.peer = peer;
        this.createdNs = createdNs;
    }

    /**
     * @return the socket.
     */
    public SocketChannel channel()
    {
        return channel;
    }

    /**
     * @return its selection key on the pool's loop.
     */
    public SelectionKey key()
    {
        return key;
    }

    /**
     * @return the peer it is connected to.
     */
    public Peer peer()
    {
        return peer;
    }

    /**
     * @return requests it has carried (counted by {@link #requestDone()}).
     */
    public int requests()
    {
        return requests;
    }

    /**
     * Count a request/response exchange completed on this connection.
     */
    public void requestDone()
    {
        requests++;
    }

    @Override
    public void onSelect(final SelectionKey selected)
    {
        if ((selected.readyOps() & SelectionKey.OP_READ) == 0)
        {
            return; // readiness left over from the session that gave it back (e.g. writable)
        }
        // idle and readable: data nobody asked for, FIN, RST or a keepalive verdict; useless either way
        pool.onEvictedByPeer();
        pool.close(this);
    }

    @Override
    public void onFailure(final Exception ex)
    {
        pool.close(this);
    }
}
