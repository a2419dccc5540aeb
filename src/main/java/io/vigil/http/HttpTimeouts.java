package io.vigil.http;

import io.vigil.config.HttpListenerConfig;
import io.vigil.config.HttpUpstreamConfig;
import io.vigil.http.codec.HttpStatus;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;

/**
 * The five HTTP timeouts, checked by the loop's sweep rather than a timer each, with nginx's meanings: before
 * and between requests (client-header-timeout, then keepalive-timeout), a head that takes too long (408), a body
 * that stalls (client-body-timeout, 408), a client that stops taking the response (send-timeout), an upstream
 * that stops taking the request (send-timeout, 504) or stops answering once it has all of it (read-timeout, 504).
 * A slow client never trips an upstream timeout: uploads are bounded on the client side.
 */
final class HttpTimeouts
{
    private final HttpConnection connection;
    private final HttpListenerConfig config;
    private final HttpUpstreamConfig upstream;
    private final ClientInput in;
    private final Exchange ex;
    private final RequestForwarder forwarder;
    private final ResponseRelay response;
    private final UpstreamLease lease;
    private final HttpUserTimeouts userTimeouts;

    HttpTimeouts(
        final HttpConnection connection, final ClientInput in, final Exchange ex, final RequestForwarder forwarder,
        final ResponseRelay response, final UpstreamLease lease, final HttpUserTimeouts userTimeouts)
    {
        this.connection = connection;
        this.config = connection.config();
        this.upstream = connection.upstreamConfig();
        this.in = in;
        this.ex = ex;
        this.forwarder = forwarder;
        this.response = response;
        this.lease = lease;
        this.userTimeouts = userTimeouts;
    }

    /**
     * Waiting for a request head.
     *
     * @param nowNs       the loop's clock.
     * @param headStartNs when its first byte came (meaningful while bytes wait).
     * @param idleSinceNs when the connection last went idle.
     * @param served      requests served so far.
     */
    void waitingForHead(final long nowNs, final long headStartNs, final long idleSinceNs, final int served)
    {
        if (in.end > 0)
        {
            if (nowNs - headStartNs >= config.clientHeaderTimeoutNs())
            {
                connection.rejectHead(HttpStatus.REQUEST_TIMEOUT);
                connection.drive();
            }
            return;
        }
        // nginx: client_header_timeout before the first request, keepalive_timeout between requests
        final long limitNs = served == 0 ? config.clientHeaderTimeoutNs() : config.keepaliveTimeoutNs();
        if (nowNs - idleSinceNs >= limitNs)
        {
            connection.close(CloseReason.IDLE_TIMEOUT, Side.PROXY);
        }
    }

    /**
     * During an exchange.
     *
     * @param nowNs the loop's clock.
     */
    void exchange(final long nowNs)
    {
        if (userTimeouts.exchange(nowNs))
        {
            return; // user-timeout's write-stall fallback (Java 17): usually shorter than send-timeout
        }
        if (response.pending() && !response.clientWritable && nowNs - ex.lastClientWriteNs >= config.sendTimeoutNs())
        {
            connection.close(CloseReason.TIMEOUT, Side.CLIENT);
            return;
        }
        if (ex.generated)
        {
            return;
        }
        if (!ex.requestBody.complete() && in.pos == in.scanned &&
            nowNs - Math.max(in.lastReadNs, ex.startNs) >= config.clientBodyTimeoutNs())
        {
            lease.drop(false);
            connection.respondError(HttpStatus.REQUEST_TIMEOUT, false, CloseReason.TIMEOUT, Side.CLIENT);
            connection.drive();
            return;
        }
        if (lease.state != UpstreamLease.READY)
        {
            return;
        }
        if (userTimeouts.upstreamWriteStalled(nowNs, upstream.sendTimeoutNs()))
        {
            lease.gatewayTimeout();
            connection.drive();
            return;
        }
        // neither timeout is retried on a fresh connection. read-timeout: the upstream holds the whole request and
        // may be acting on it (HAProxy's default retry-on; a vanished server is user-timeout's verdict, which is
        // retried). send-timeout: a request Vigil could replay fits its buffer, which the kernel's send buffer
        // normally takes whole, so a stalled write is a body streaming past the buffer, which cannot be sent again
        // read-timeout runs only while Vigil waits on the upstream with the request fully sent (or refused by
        // it): an upload after 100 Continue is bounded by client-body-timeout and send-timeout instead, so a
        // slow client never counts as a failing server
        final boolean awaiting = (ex.requestSent || ex.requestAbandoned) && !ex.responseComplete();
        if (awaiting && nowNs - Math.max(lease.lastReadNs, ex.requestSentNs) >= upstream.readTimeoutNs())
        {
            lease.gatewayTimeout();
            connection.drive();
        }
    }
}
