package io.vigil.upstream;

import io.vigil.loop.EventLoop;
import io.vigil.loop.TimerTarget;
import io.vigil.stats.UpstreamCounters;
import org.agrona.DeadlineTimerWheel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Idle upstream connections kept for reuse by one loop for one upstream group (nginx's per-worker
 * {@code keepalive} cache): no locks, and lookups go by the peer the balancer chose, so reuse never changes
 * balancing.
 *
 * <p>A connection comes back only while it is under its request and age limits; when the pool is full the least
 * recently used one is closed. Idle connections stay registered for reads: any readability (stray bytes, FIN, RST
 * or a keepalive ETIMEDOUT) means the connection cannot carry a request any more, so it is evicted at once; what
 * arrived since the last select pass a probe read finds before reuse, unless the caller waives it because it sends
 * the request again on a fresh connection anyway. Each idle connection also has a deadline: the pool's idle timeout,
 * cut short by the upstream's own {@code Keep-Alive: timeout=N} so Vigil closes first and never races the server.
 * One pool timer serves all deadlines (armed for the earliest), so taking and giving back a connection per
 * request costs no timer-wheel work.
 *
 * <p>A connection given back to a full pool is kept over the limit for a short grace, after which the least
 * recently used surplus is closed. nginx closes at once, which under load (more requests in flight than the
 * idle limit) closes connections that the next request then has to reopen; the grace keeps a busy pool from
 * churning while still trimming it to the limit once traffic calms.
 */
public final class ConnectionPool implements TimerTarget
{
    /** How long idle connections beyond the limit may stay. */
    public static final long OVERFLOW_GRACE_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long NO_TIMER = DeadlineTimerWheel.NULL_DEADLINE;
    private static final long SERVER_TIMEOUT_MARGIN_NS = TimeUnit.SECONDS.toNanos(1);

    final EventLoop loop;
    final int stats;
    private final ByteBuffer probe = ByteBuffer.allocateDirect(1);
    private final int maxIdle;
    private final long idleTimeoutNs;
    private final int maxRequests;
    private final long maxAgeNs;
    private PooledConnection newest;
    private PooledConnection oldest;
    private int idleCount;
    private long trimTimerId = NO_TIMER;
    private boolean retired;
    private long idleTimerId = NO_TIMER;
    private long idleTimerDeadlineNs;
    private long reused;
    private long evictedByPeer;
    private long evictedIdle;
    private long evictedFull;

    /**
     * @param loop          the owning loop.
     * @param maxIdle       most idle connections kept (nginx {@code keepalive N}).
     * @param idleTimeoutNs close an idle connection after this long (nginx {@code keepalive_timeout}).
     * @param maxRequests   requests per connection (nginx {@code keepalive_requests}).
     * @param maxAgeNs      a connection older than this is not reused (nginx {@code keepalive_time}).
     * @param stats         the upstream group's counter block (idle gauge, evictions).
     */
    public ConnectionPool(
        final EventLoop loop, final int maxIdle, final long idleTimeoutNs, final int maxRequests, final long maxAgeNs,
        final int stats)
    {
        this.loop = loop;
        this.stats = stats;
        this.maxIdle = maxIdle;
        this.idleTimeoutNs = idleTimeoutNs;
        this.maxRequests = maxRequests;
        this.maxAgeNs = maxAgeNs;
    }

    /**
     * Track a newly connected upstream socket, registered on this pool's loop.
     *
     * @param channel the socket.
     * @param key     its key on the loop's selector.
     * @param peer    its peer.
     * @return its handle.
     */
    public PooledConnection track(final SocketChannel channel, final SelectionKey key, final Peer peer)
    {
        return new PooledConnection(this, channel, key, peer, loop.nowNs());
    }

    /**
     * Take an idle connection to {@code peer}, most recently used first, proven quiet by a probe read. The caller
     * attaches its own handler to the key and sets its interest ops.
     *
     * @param peer the peer the balancer chose.
     * @return a connection, or null when none to that peer is idle.
     */
    public PooledConnection acquire(final Peer peer)
    {
        return acquire(peer, true);
    }

    /**
     * Take an idle connection to {@code peer}, most recently used first. The caller attaches its own handler to
     * the key and sets its interest ops.
     *
     * @param peer  the peer the balancer chose.
     * @param probe read before handing it out, to catch a FIN or stray bytes that arrived since the last select
     *              pass (one syscall). A caller that sends the request again on a fresh connection when a reused
     *              one fails before answering passes false: the probe would only move that failure earlier.
     * @return a connection, or null when none to that peer is idle.
     */
    public PooledConnection acquire(final Peer peer, final boolean probe)
    {
        PooledConnection c = newest;
        while (c != null)
        {
            final PooledConnection older = c.older;
            if (c.peer == peer)
            {
                unlink(c);
                if (probe && !quiet(c))
                {
                    evictedByPeer++;
                    loop.counters().increment(stats + UpstreamCounters.POOL_EVICTED_BY_PEER);
                    close(c);
                }
                else
                {
                    c.key.attach(null); // the caller attaches itself; interest stays OP_READ until it sets its own
                    reused++;
                    return c;
                }
            }
            c = older;
        }
        return null;
    }

    /**
     * The selector reports stray bytes or a FIN on an idle connection only at its next pass; one may have arrived
     * since. A read that finds nothing (EAGAIN) proves the connection quiet now; anything else means it can no
     * longer carry a request, and a byte read here belonged to nobody. One syscall per reuse, or only when a caller
     * that waived it at {@link #acquire(Peer, boolean)} sees readiness it cannot place.
     *
     * @param c a connection taken from this pool, with nothing read from it since.
     * @return true when nothing is waiting on it.
     */
    public boolean quiet(final PooledConnection c)
    {
        probe.clear();
        try
        {
            return c.channel.read(probe) == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * Give a connection back after a complete exchange. The caller has checked that the response was complete,
     * the request fully sent, no error occurred and neither side said Connection: close.
     *
     * @param c                     the connection.
     * @param serverKeepAliveSec    the upstream's Keep-Alive timeout in seconds, or 0 when it sent none.
     * @return false when it was closed instead (request or age limit).
     */
    public boolean release(final PooledConnection c, final int serverKeepAliveSec)
    {
        final long nowNs = loop.nowNs();
        if (retired || c.requests >= maxRequests || nowNs - c.createdNs >= maxAgeNs || maxIdle == 0)
        {
            close(c);
            return false;
        }
        if (idleCount >= maxIdle && trimTimerId == NO_TIMER)
        {
            trimTimerId = loop.schedule(nowNs + OVERFLOW_GRACE_NS, this);
        }
        long timeoutNs = idleTimeoutNs;
        if (serverKeepAliveSec > 0)
        {
            // close before the server does: a request sent into its close would fail
            final long serverNs = TimeUnit.SECONDS.toNanos(serverKeepAliveSec);
            timeoutNs = Math.min(timeoutNs, Math.max(serverNs - SERVER_TIMEOUT_MARGIN_NS, serverNs / 2));
        }
        c.key.attach(c);
        if (c.key.interestOps() != SelectionKey.OP_READ)
        {
            c.key.interestOps(SelectionKey.OP_READ);
        }
        c.idleDeadlineNs = nowNs + timeoutNs;
        link(c);
        armIdleTimer(c.idleDeadlineNs);
        return true;
    }

    /**
     * The overflow grace ended: close the least recently used connections beyond the limit.
     */
    @Override
    public void onTimer(final long timerId, final long nowNs)
    {
        if (timerId == trimTimerId)
        {
            trimTimerId = NO_TIMER;
            while (idleCount > maxIdle)
            {
                evictedFull++;
                close(oldest);
            }
        }
        else if (timerId == idleTimerId)
        {
            idleTimerId = NO_TIMER;
            expireIdle(nowNs);
        }
    }

    private void expireIdle(final long nowNs)
    {
        long earliest = Long.MAX_VALUE;
        PooledConnection c = oldest;
        while (c != null)
        {
            final PooledConnection newer = c.newer;
            if (c.idleDeadlineNs <= nowNs)
            {
                evictedIdle++;
                close(c);
            }
            else
            {
                earliest = Math.min(earliest, c.idleDeadlineNs);
            }
            c = newer;
        }
        if (earliest != Long.MAX_VALUE)
        {
            armIdleTimer(earliest);
        }
    }

    private void armIdleTimer(final long deadlineNs)
    {
        if (idleTimerId != NO_TIMER && idleTimerDeadlineNs <= deadlineNs)
        {
            return; // an earlier (or equal) check is already due; it re-arms for the rest
        }
        loop.cancel(idleTimerId);
        idleTimerDeadlineNs = deadlineNs;
        idleTimerId = loop.schedule(deadlineNs, this);
    }

    /**
     * Close a connection that is not (or no longer) idle.
     *
     * @param c the connection.
     */
    public void close(final PooledConnection c)
    {
        if (c.idle)
        {
            unlink(c);
        }
        loop.closeSoon(c.channel); // after the next select, then paused acceptors hear of the free descriptor
    }

    /**
     * Close the idle connections to a peer (a health check marked it down).
     *
     * @param peer the peer.
     */
    public void closeTo(final Peer peer)
    {
        PooledConnection c = newest;
        while (c != null)
        {
            final PooledConnection next = c.older;
            if (c.peer == peer)
            {
                close(c);
            }
            c = next;
        }
    }

    /**
     * The pool's configuration generation was replaced: close the idle connections now and every connection
     * given back later (they belong to the old upstream settings). Loop thread only.
     */
    public void retire()
    {
        retired = true;
        closeAll();
    }

    /**
     * Close every idle connection (shutdown).
     */
    public void closeAll()
    {
        loop.cancel(trimTimerId);
        trimTimerId = NO_TIMER;
        loop.cancel(idleTimerId);
        idleTimerId = NO_TIMER;
        while (newest != null)
        {
            close(newest);
        }
    }

    private void link(final PooledConnection c)
    {
        c.idle = true;
        c.older = newest;
        c.newer = null;
        if (newest != null)
        {
            newest.newer = c;
        }
        newest = c;
        if (oldest == null)
        {
            oldest = c;
        }
        idleCount++;
        loop.counters().add(stats + UpstreamCounters.POOL_IDLE, 1);
    }

    private void unlink(final PooledConnection c)
    {
        if (c.newer != null)
        {
            c.newer.older = c.older;
        }
        else
        {
            newest = c.older;
        }
        if (c.older != null)
        {
            c.older.newer = c.newer;
        }
        else
        {
            oldest = c.newer;
        }
        c.older = null;
        c.newer = null;
        c.idle = false;
        idleCount--;
        loop.counters().add(stats + UpstreamCounters.POOL_IDLE, -1);
    }

    /** An idle connection became readable (stray bytes, FIN, RST, keepalive verdict): it goes. */
    void onEvictedByPeer()
    {
        evictedByPeer++;
        loop.counters().increment(stats + UpstreamCounters.POOL_EVICTED_BY_PEER);
    }

    /**
     * @return idle connections held.
     */
    public int idleCount()
    {
        return idleCount;
    }

    /**
     * @return connections handed out again.
     */
    public long reused()
    {
        return reused;
    }

    /**
     * @return idle connections evicted because the upstream closed, reset or died (or sent stray bytes).
     */
    public long evictedByPeer()
    {
        return evictedByPeer;
    }

    /**
     * @return idle connections closed by the idle timeout.
     */
    public long evictedIdle()
    {
        return evictedIdle;
    }

    /**
     * @return idle connections closed because the pool held more than its limit after the overflow grace.
     */
    public long evictedFull()
    {
        return evictedFull;
    }
}
