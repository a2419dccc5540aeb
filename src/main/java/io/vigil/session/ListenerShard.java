package io.vigil.session;

import io.vigil.loop.BufferPool;
import io.vigil.loop.EventLoop;
import io.vigil.log.LogLine;
import io.vigil.upstream.ConnectionPool;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.PeerUser;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * A listener's presence on one loop: what a session started on that loop needs (balancer state, buffers, log
 * line), all owned by the loop. Accepted sockets handed to a shard become sessions on its loop.
 */
public final class ListenerShard
{
    final EventLoop loop;
    final Listener listener;
    final PeerPicker picker;
    final BufferPool buffers;
    final LogLine logLine;
    private final ConnectionPool pool;
    private final SessionStarter starter;
    private long acceptedCount;

    /**
     * @param loop     the owning loop.
     * @param listener the listener.
     * @param picker   the loop's balancer state for the listener's upstream.
     * @param buffers  the loop's pool for the listener's buffer size.
     * @param logLine  the loop's access-log formatter.
     * @param pool     the loop's idle upstream connections for the listener's upstream (HTTP mode), or null.
     * @param starter  what a session on this listener is (tcp relay or HTTP).
     */
    public ListenerShard(
        final EventLoop loop,
        final Listener listener,
        final PeerPicker picker,
        final BufferPool buffers,
        final LogLine logLine,
        final ConnectionPool pool,
        final SessionStarter starter)
    {
        this.pool = pool;
        this.starter = starter;
        this.loop = loop;
        this.listener = listener;
        this.picker = picker;
        this.buffers = buffers;
        this.logLine = logLine;
    }

    /**
     * @return the owning loop.
     */
    public EventLoop loop()
    {
        return loop;
    }

    /**
     * Start a session for an accepted, tuned, non-blocking socket. Called on this shard's loop thread.
     *
     * @param downstream the accepted socket.
     */
    public void onAccepted(final SocketChannel downstream)
    {
        acceptedCount++;
        starter.start(this, downstream);
    }

    /**
     * @return the listener.
     */
    public Listener listener()
    {
        return listener;
    }

    /**
     * @return the loop's balancer state for the listener's upstream.
     */
    public PeerPicker picker()
    {
        return picker;
    }

    /**
     * @return the loop's buffers for this listener.
     */
    public BufferPool buffers()
    {
        return buffers;
    }

    /**
     * @return the loop's access-log formatter.
     */
    public LogLine logLine()
    {
        return logLine;
    }

    /**
     * @return the loop's idle upstream connections (HTTP mode), or null.
     */
    public ConnectionPool pool()
    {
        return pool;
    }

    /**
     * Close every session on {@code loop} whose upstream is {@code peer} (on-down = close-sessions). Call on the
     * loop's thread.
     *
     * @param loop the loop.
     * @param peer the peer marked down.
     */
    public static void closeSessionsOf(final EventLoop loop, final Peer peer)
    {
        final Consumer<io.vigil.loop.LoopSession> visitor = session ->
        {
            if (session instanceof PeerUser)
            {
                ((PeerUser)session).onPeerDown(peer);
            }
        };
        loop.forEachSession(visitor);
    }

    /**
     * @return sessions started on this shard.
     */
    public long acceptedCount()
    {
        return acceptedCount;
    }
}
