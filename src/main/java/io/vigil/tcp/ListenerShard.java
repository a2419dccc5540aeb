package io.vigil.tcp;

import io.vigil.loop.BufferPool;
import io.vigil.loop.EventLoop;
import io.vigil.log.LogLine;
import io.vigil.upstream.PeerPicker;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A listener's presence on one loop: what a session started on that loop needs (balancer state, buffers, log
 * line), all owned by the loop. Accepted sockets handed to a shard become sessions on its loop.
 */
public final class ListenerShard
{
    final EventLoop loop;
    final TcpListener listener;
    final PeerPicker picker;
    final BufferPool buffers;
    final LogLine logLine;
    private long acceptedCount;

    /**
     * @param loop     the owning loop.
     * @param listener the listener.
     * @param picker   the loop's balancer state for the listener's upstream.
     * @param buffers  the loop's pool for the listener's buffer size.
     * @param logLine  the loop's access-log formatter.
     */
    public ListenerShard(
        final EventLoop loop,
        final TcpListener listener,
        final PeerPicker picker,
        final BufferPool buffers,
        final LogLine logLine)
    {
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
        final TcpSession session = new TcpSession(this, downstream);
        try
        {
            session.start();
        }
        catch (final IOException | RuntimeException ex)
        {
            session.onFailure(ex);
        }
    }

    /**
     * Close every session on {@code loop} whose upstream is {@code peer} (on-down = close-sessions). Call on the
     * loop's thread.
     *
     * @param loop the loop.
     * @param peer the peer marked down.
     */
    public static void closeSessionsOf(final EventLoop loop, final io.vigil.upstream.Peer peer)
    {
        loop.forEachSession(session ->
        {
            if (session instanceof TcpSession)
            {
                ((TcpSession)session).onPeerDown(peer);
            }
        });
    }

    /**
     * @return sessions started on this shard.
     */
    public long acceptedCount()
    {
        return acceptedCount;
    }
}
