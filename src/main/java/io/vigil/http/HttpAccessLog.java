package io.vigil.http;

import io.vigil.http.codec.HttpMethod;
import io.vigil.log.LogLine;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;

import java.util.concurrent.TimeUnit;

/**
 * The HTTP access log: one line per request (method, target, status, upstream, reuse, tries, bytes, duration)
 * and one per client connection when it closes (requests, bytes, duration, close reason and side). Formatted
 * into the loop's line buffer without allocation; nothing when the listener says access-log = false.
 */
final class HttpAccessLog
{
    private final LogLine line;
    private final String listener;
    private final String client;
    private final boolean enabled;
    private final boolean json;

    HttpAccessLog(
        final LogLine line, final String listener, final String client, final boolean enabled, final boolean json)
    {
        this.line = line;
        this.listener = listener;
        this.client = client;
        this.enabled = enabled;
        this.json = json;
    }

    void request(final Exchange ex, final UpstreamLease lease, final long nowNs)
    {
        if (!enabled)
        {
            return;
        }
        final long durationMs = TimeUnit.NANOSECONDS.toMillis(nowNs - ex.startNs);
        line.begin(json, System.currentTimeMillis())
            .field("listener", listener)
            .field("client", client)
            .field("request", ex.method == null ? "-" : ex.method == HttpMethod.OTHER ? "OTHER" : ex.method.name(),
                ex.loggedTargetLength() > 0 ? ex.loggedTarget() : null, 0, ex.loggedTargetLength(),
                ex.loggedTargetLength());
        if (ex.status == 0)
        {
            line.field("status", "-");
        }
        else
        {
            line.field("status", ex.status);
        }
        line.field("upstream", lease.connector.lastPeerName())
            .field("reused", lease.reusedAny ? 1 : 0)
            .field("tries", lease.tries())
            .field("request_bytes", ex.requestBytes)
            .field("response_bytes", ex.responseBytes)
            .field("duration_ms", durationMs)
            .commit();
    }

    void connection(
        final long startNs, final long startEpochMs, final long nowNs, final long requests, final long fromClient,
        final long toClient, final CloseReason reason, final Side side)
    {
        if (!enabled)
        {
            return;
        }
        final long durationMs = TimeUnit.NANOSECONDS.toMillis(nowNs - startNs);
        line.begin(json, startEpochMs + durationMs)
            .field("listener", listener)
            .field("client", client)
            .flag("connection_closed")
            .field("requests", requests)
            .field("from_client", fromClient)
            .field("to_client", toClient)
            .field("duration_ms", durationMs)
            .field("reason", reason.logName())
            .field("side", side.logName())
            .commit();
    }
}
