package io.vigil.http;

import io.vigil.http.codec.HttpStatus;
import io.vigil.loop.EventLoop;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.session.UpstreamConnector;
import io.vigil.stats.UpstreamCounters;
import io.vigil.upstream.ConnectionPool;
import io.vigil.upstream.PooledConnection;
import io.vigil.upstream.Peer;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The upstream connection of the current exchange: taken from the loop's {@link ConnectionPool} for the server
 * the balancer chose, or freshly connected through the {@link UpstreamConnector}; sent again (replayed) once on a
 * fresh connection when a reused one fails before answering; given back to the pool after a clean exchange, or
 * closed. Failures are told apart for passive health: a pooled connection closed under a request is the
 * idle-close race, not the server's fault. Owned by the connection's loop.
 */
final class UpstreamLease implements UpstreamConnector.Owner
{
    static final int NONE = 0;
    static final int CONNECTING = 1;
    static final int READY = 2;
    private static final long PROBED = -1;

    private final HttpConnection connection;
    private final Exchange ex;
    private final ConnectionPool pool;
    private final EventLoop loop;
    final UpstreamConnector connector;
    int state = NONE;
    SocketChannel channel;
    SelectionKey key;
    /** Readiness of the upstream socket as the selector last reported it. */
    boolean readable;
    boolean writable;
    boolean eof;
    private PooledConnection pooled;
    private boolean reused;
    /** Some request of this exchange went over a pooled connection (for the log's reused=). */
    boolean reusedAny;
    private boolean forceFresh;
    private boolean reuseRetried;
    private boolean acquiring;
    private boolean retry;
    /** The select pass a pooled connection was taken in without a probe read, else {@link #PROBED}. */
    private long unprobedPass = PROBED;
    /** Whether and when bytes last went to the upstream on this connection: tells retransmission from keepalive. */
    boolean wrote;
    long wroteNs;
    long lastReadNs;
    long lastWriteNs;

    UpstreamLease(final HttpConnection connection, final Exchange ex, final ConnectionPool pool, final int clientHash)
    {
        this.connection = connection;
        this.ex = ex;
        this.pool = pool;
        this.connector = new UpstreamConnector(this, connection.shard(), clientHash);
        this.loop = connection.shard().loop();
    }

    /**
     * A new exchange: no tries yet.
     */
    void reset()
    {
        connector.reset();
        forceFresh = false;
        reuseRetried = false;
        reusedAny = false;
    }

    /**
     * Get a connection for the current request: a pooled one to the server the balancer picks, else a new one;
     * when none can be had, answer 502 or 503.
     */
    void acquire()
    {
        acquiring = true;
        try
        {
            do
            {
                retry = false;
                attempt();
            }
            while (retry);
        }
        finally
        {
            acquiring = false;
        }
    }

    private void attempt()
    {
        while (true)
        {
            final int triesBefore = connector.tries();
            final Peer next = connector.pick();
            if (next == null)
            {
                // nginx says 502 for "no live upstreams"; all servers down or full is a 503
                final boolean exhausted = triesBefore >= connector.group().maxTries();
                connection.respondError(triesBefore == 0 && !exhausted ? HttpStatus.SERVICE_UNAVAILABLE :
                    HttpStatus.BAD_GATEWAY, true, CloseReason.CONNECT_FAILED, Side.UPSTREAM);
                return;
            }
            final long nowNs = connection.nowNs();
            lastReadNs = nowNs;
            lastWriteNs = nowNs;
            eof = false;
            wrote = false;
            if (!forceFresh && pool != null)
            {
                final boolean probe = !replaysWhole();
                pooled = pool.acquire(next, probe);
                if (pooled != null)
                {
                    unprobedPass = probe ? PROBED : connection.selectPass();
                    channel = pooled.channel();
                    key = pooled.key();
                    key.attach(connection);
                    reused = true;
                    reusedAny = true;
                    connector.onPooledConnection();
                    state = READY;
                    readable = false;
                    writable = true;
                    return;
                }
            }
            reused = false;
            unprobedPass = PROBED;
            state = CONNECTING;
            connector.connect();
            return; // the outcome comes through onUpstreamConnected / onUpstreamAttemptFailed
        }
    }

    @Override
    public void onUpstreamConnected(final SocketChannel connected, final SelectionKey connectedKey)
    {
        channel = connected;
        key = connectedKey;
        key.attach(connection);
        state = READY;
        pooled = pool != null ? pool.track(channel, key, connector.peer()) : null;
        readable = false;
        writable = true;
        lastReadNs = connection.nowNs();
        lastWriteNs = lastReadNs;
        connection.onUpstreamReady();
        if (!acquiring)
        {
            connection.drive(); // connected later, from the selector: move the exchange on
        }
    }

    @Override
    public void onUpstreamAttemptFailed(final boolean local)
    {
        state = NONE;
        channel = null;
        key = null;
        if (local)
        {
            // no descriptor or local port: not the server's failure, and another server would not help
            connection.respondError(HttpStatus.BAD_GATEWAY, true, CloseReason.ERROR, Side.PROXY);
        }
        else if (acquiring)
        {
            retry = true; // failed at once, inside acquire(): its loop tries the next server
            return;
        }
        else
        {
            acquire();
        }
        if (!acquiring)
        {
            connection.drive();
        }
    }

    /**
     * The upstream connection failed before any response byte: send the request again on a fresh connection when
     * that is safe (idempotent, still held whole, nothing sent to the client), else answer 502.
     *
     * @param reason why it failed.
     */
    void failed(final CloseReason reason)
    {
        final boolean wasReused = reused;
        final Peer failedPeer = connector.peer();
        // a pooled connection closed under us is the idle-close race, not a sign the server is failing
        drop(!wasReused);
        final boolean canReplay = canReplay();
        if (canReplay && wasReused && !reuseRetried)
        {
            reuseRetried = true;
            forceFresh = true;
            connector.forgive(failedPeer);
            loop.counters().increment(connector.group().stats() + UpstreamCounters.POOL_RETRIES);
            connection.run.replay();
            return;
        }
        if (canReplay && !wasReused && connector.tries() < connector.group().maxTries())
        {
            connection.run.replay();
            return;
        }
        connection.respondError(HttpStatus.BAD_GATEWAY, true, reason, Side.UPSTREAM);
    }

    /**
     * Whether a failure of the upstream connection now, whatever its kind (EOF, reset, or the kernel's or the
     * write-stall timer's user-timeout verdict), would send the request again on a fresh connection: the connection
     * was reused (a stale pooled connection is the idle-close race, not the server failing), it is the first retry,
     * and the request can be replayed, before any response byte. nginx's proxy_next_upstream and HAProxy's
     * retry-on conn-failure/empty-response make the same call.
     *
     * @return true when {@link #failed} would replay rather than answer.
     */
    boolean retriesOnFresh()
    {
        return reused && !reuseRetried && !ex.responseAnyByte && canReplay();
    }

    /**
     * @return connections this exchange's request went over: the connector's tries (failovers) plus the fresh
     *         connection that replaced a stale reused one, which the connector forgives.
     */
    int tries()
    {
        return connector.tries() + (reuseRetried ? 1 : 0);
    }

    /**
     * Whether a reused connection found dead at any point before the answer starts will be replaced by a fresh one
     * with the whole request sent again: replayable now, and the whole body already held (a body still arriving
     * can stream past the buffer, after which it cannot be sent again). Then the pool's probe read before reuse
     * (one syscall per request) only finds earlier a FIN or reset the replay recovers from anyway; otherwise it
     * keeps the request off a connection whose FIN arrived since the last select pass. Stray bytes (a server's 408
     * before its idle close) already in the pass's ready set are caught by {@link #readyBeforeRequest()}; those that
     * arrived after it was collected are read as the answer, a window the probe only narrowed (to the time since
     * the probe); nginx and HAProxy do not probe.
     */
    private boolean replaysWhole()
    {
        return !reuseRetried && canReplay() && ex.requestBody.complete();
    }

    /**
     * The selector reported the ready upstream socket: note what for, unless what is readable arrived before the
     * request went (FIN, reset, or bytes nobody asked for, such as a 408): that is not this request's answer, so the
     * unprobed reuse fails and is replayed on a fresh connection.
     *
     * @param readyOps the key's ready operations.
     */
    void onReady(final int readyOps)
    {
        if ((readyOps & SelectionKey.OP_READ) != 0 && readyBeforeRequest())
        {
            failed(CloseReason.EOF);
            return;
        }
        readable |= (readyOps & SelectionKey.OP_READ) != 0;
        writable |= (readyOps & SelectionKey.OP_WRITE) != 0;
    }

    /**
     * Whether the connection, taken from the pool without a probe read, is reported readable from the ready set of
     * the select pass it was taken in, and the deferred probe read finds something: that readiness was collected
     * before the request went, so whatever is there (a FIN, a reset, a server's 408, the late tail of an earlier
     * answer) is no answer to it. The probe tells it from readiness already consumed (the previous exchange read
     * the bytes this pass reported), which costs nothing. Bytes that arrive after the pass's ready set was
     * collected and before the request went remain indistinguishable from the answer; the probe read at acquire
     * narrows that window to the time between the probe and the request.
     *
     * @return true when the connection must be treated as failed before answering.
     */
    private boolean readyBeforeRequest()
    {
        if (unprobedPass == PROBED || unprobedPass != connection.selectPass() || ex.responseAnyByte)
        {
            return false;
        }
        unprobedPass = PROBED; // one probe: a key is dispatched once per pass
        return !pool.quiet(pooled);
    }

    private boolean canReplay()
    {
        // a client's FIN does not stop a replay: a half-closed client still reads the answers it asked for
        return !ex.responseStarted && ex.replayable && ex.method != null && ex.method.idempotent();
    }

    /**
     * The upstream answered with something that is not a valid HTTP/1.x response.
     */
    void badGateway()
    {
        // like nginx's default proxy_next_upstream (error timeout): a bad response is not a server failure
        drop(false);
        connection.respondError(HttpStatus.BAD_GATEWAY, true, CloseReason.PROTOCOL_ERROR, Side.UPSTREAM);
    }

    /**
     * read-timeout or send-timeout on the upstream side: a server failure, and 504.
     */
    void gatewayTimeout()
    {
        drop(true);
        connection.respondError(HttpStatus.GATEWAY_TIMEOUT, true, CloseReason.TIMEOUT, Side.UPSTREAM);
    }

    /**
     * Close this exchange's upstream connection (never pooled).
     *
     * @param failure whether it counts against the server.
     */
    void drop(final boolean failure)
    {
        if (state == NONE)
        {
            return;
        }
        connector.abandon();
        if (pooled != null)
        {
            pool.close(pooled);
        }
        else
        {
            loop.closeSoon(channel); // paused acceptors hear of the descriptor once it is free
        }
        if (failure)
        {
            connector.failPeer();
        }
        else
        {
            connector.releasePeer();
        }
        forget();
    }

    /**
     * The exchange is over: pool the connection when it is clean, else close it.
     *
     * @param reuse whether the exchange left it fit for another request.
     */
    void release(final boolean reuse)
    {
        if (pooled != null)
        {
            pooled.requestDone();
            if (reuse)
            {
                pool.release(pooled, ex.responseHead.keepAliveTimeoutSec());
            }
            else
            {
                pool.close(pooled);
            }
        }
        else
        {
            loop.closeSoon(channel); // paused acceptors hear of the descriptor once it is free
        }
        connector.releasePeer();
        forget();
    }

    /**
     * The connection became a tunnel: it is never pooled again, and the session closes it.
     */
    void handOverToTunnel()
    {
        pooled = null;
    }

    private void forget()
    {
        unprobedPass = PROBED;
        pooled = null;
        channel = null;
        key = null;
        state = NONE;
        readable = false;
        writable = false;
        wrote = false;
    }

    /**
     * @return the server of this exchange, or null.
     */
    Peer peer()
    {
        return connector.peer();
    }
}
