package io.vigil.http;

import io.vigil.config.HttpListenerConfig;
import io.vigil.http.codec.HttpStatus;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.stats.Histogram;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.LoopCounters;

/**
 * The exchange while it runs: each step sends what the upstream can take, reads what the client and the
 * upstream sent, relays the response; then it finishes (the upstream connection pooled or closed, the client
 * connection kept for the next request or closed) or switches to a tunnel. Also the decisions an exchange needs
 * on the way: keep the client alive or not, answer with a generated status, send the request again. Owned by
 * the connection's loop.
 */
final class ExchangeRun
{
    private final HttpConnection c;
    private final HttpListenerConfig config;
    private final ClientInput in;
    private final Exchange ex;
    private final UpstreamLease lease;
    private final RequestForwarder forwarder;
    private final ResponseRelay response;
    private final RequestIntake intake;
    private final HttpAccessLog accessLog;
    private final LoopCounters counters;
    private final int stats;

    ExchangeRun(
        final HttpConnection c, final ClientInput in, final Exchange ex, final UpstreamLease lease,
        final RequestForwarder forwarder, final ResponseRelay response, final RequestIntake intake,
        final HttpAccessLog accessLog)
    {
        this.c = c;
        this.config = c.config();
        this.in = in;
        this.ex = ex;
        this.lease = lease;
        this.forwarder = forwarder;
        this.response = response;
        this.intake = intake;
        this.accessLog = accessLog;
        this.counters = c.shard().counters();
        this.stats = c.shard().listener().stats();
    }

    boolean step()
    {
        boolean moved = false;
        if (lease.state == UpstreamLease.READY)
        {
            moved = forwarder.send();
            if (c.phase != HttpConnection.EXCHANGE)
            {
                return true;
            }
        }
        moved |= intake.readClientDuringExchange();
        if (c.phase != HttpConnection.EXCHANGE)
        {
            return true;
        }
        if (lease.state == UpstreamLease.READY)
        {
            moved |= response.read();
            if (c.phase != HttpConnection.EXCHANGE)
            {
                return true;
            }
        }
        moved |= response.send();
        if (c.phase != HttpConnection.EXCHANGE)
        {
            return true;
        }
        if (ex.tunnelPending && !response.pending())
        {
            c.enterTunnel();
            return true;
        }
        if (ex.responseComplete() && !ex.tunnelPending && response.pos == response.scanned && response.heads.empty())
        {
            finish();
            return true;
        }
        return moved;
    }

    private void finish()
    {
        served();
        if (lease.state != UpstreamLease.NONE)
        {
            final boolean reuse = !ex.generated && lease.state == UpstreamLease.READY && ex.upstreamReusable &&
                ex.upstreamPersist && ex.requestSent && response.end == response.scanned && !lease.eof;
            lease.release(reuse);
        }
        response.release();
        forwarder.release();
        final boolean keep = ex.clientKeepAlive && ex.requestBody.complete() && (in.pos == in.scanned || ex.generated);
        if (!keep)
        {
            c.linger.start();
            return;
        }
        in.dropBefore(in.scanned); // pipelined bytes move to the front and are parsed next
        ex.requestHead.reset();
        c.phase = HttpConnection.WAIT_HEAD;
        c.idleSinceNs = c.nowNs();
        c.headStartNs = 0;
    }

    /**
     * The exchange's answer went out in full (also the 101 or 2xx before a tunnel): counted by status and logged.
     */
    void served()
    {
        c.requestsServed++;
        c.toClient += ex.responseBytes;
        countRequest();
        accessLog.request(ex, lease, c.nowNs());
    }

    private void countRequest()
    {
        if (ex.status >= 100 && ex.status < 600)
        {
            counters.increment(stats + ListenerCounters.HTTP_REQUESTS + ex.status / 100 - 1);
        }
    }

    /**
     * A response head went out for the client: how long the upstream took, from the request sent.
     */
    void onResponseHead()
    {
        if (ex.requestSentNs != 0)
        {
            Histogram.RESPONSE_SECONDS.record(counters, stats + ListenerCounters.HTTP_RESPONSE_DURATION,
                c.nowNs() - ex.requestSentNs);
        }
    }

    /**
     * Send the request again from the start on a fresh connection (a reused one failed before answering).
     */
    void replay()
    {
        forwarder.rewind();
        ex.requestBytes = 0; // the access log's request_bytes is the request's size, not the sum of its tries
        ex.responseHead.reset();
        ex.responseAnyByte = false;
        response.reset();
        lease.acquire();
    }

    /**
     * Whether the client connection may stay open after this response (nginx's keep-alive rules). After the
     * client's FIN it stays open only for requests it pipelined before: like nginx, Vigil answers what it already
     * received, in order (within keepalive-requests and keepalive-time), and closes after the last.
     *
     * @return true to keep the connection.
     */
    boolean keepClientAlive()
    {
        final boolean pipelinedWaiting = ex.requestBody.complete() && in.end > in.scanned;
        return ex.requestHead.persistent() && (!in.eof || pipelinedWaiting) && !c.draining &&
            ex.requestBody.complete() &&
            !ex.responseBody.endsAtClose() && config.keepaliveTimeoutNs() > 0 &&
            c.requestsServed + 1 < config.keepaliveRequests() &&
            c.nowNs() - c.startNs() < config.keepaliveTimeNs();
    }

    /**
     * Answer the current request with a generated status, unless a final response is already under way (then
     * only closing is left). A final response may always follow an interim one.
     *
     * @param answer       the status.
     * @param keepPossible whether the client connection may continue afterwards (still subject to keep-alive).
     * @param reason       the close reason when no answer is possible.
     * @param side         whose fault.
     */
    void respondError(final HttpStatus answer, final boolean keepPossible, final CloseReason reason, final Side side)
    {
        if (ex.responseHeadDone)
        {
            c.close(reason, side);
            return;
        }
        final boolean keepAlive = keepPossible && ex.method != null && keepClientAlive();
        if (!response.generate(answer, keepAlive))
        {
            c.close(reason, side); // interim responses fill the buffer: no room to answer after them
            return;
        }
        lease.drop(false);
        c.phase = HttpConnection.EXCHANGE;
        ex.generated = true;
        ex.status = answer.code();
        ex.responseBody.none();
        ex.tunnelPending = false;
        ex.clientKeepAlive = keepAlive;
        ex.responseHeadDone = true;
        ex.responseStarted = true;
    }
}
