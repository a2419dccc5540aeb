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

    HttpAccessLog(final LogLine line, final String listener, final String client, final boolean enabled)
    {
        this.line = line;
        this.listener = listener;
        this.client = client;
        this.enabled = enabled;
    }

    void request(final Exchange ex, final UpstreamLease lease, final long nowNs)
    {
        if (!enabled)
        {
            return;
        }
        final long durationMs = TimeUnit.NANOSECONDS.toMillis(nowNs - ex.startNs);
        line.begin()
            .appendTimestamp(System.currentTimeMillis())
            .append(" listener=").append(listener)
            .append(" client=").append(client)
            .append(" request=").append(ex.method == null ? "-" : ex.method == HttpMethod.OTHER ? "OTHER" :
                ex.method.name())
            .append(' ');
        if (ex.loggedTargetLength() > 0)
        {
            line.append(ex.loggedTarget(), 0, ex.loggedTargetLength(), ex.loggedTargetLength());
        }
        else
        {
            line.append('-');
        }
        line.append(" status=");
        if (ex.status == 0)
        {
            line.append('-');
        }
        else
        {
            line.append(ex.status);
        }
        line.append(" upstream=").append(lease.connector.lastPeerName())
            .append(" reused=").append(lease.reusedAny ? 1 : 0)
            .append(" tries=").append(lease.connector.tries())
            .append(" request_bytes=").append(ex.requestBytes)
            .append(" response_bytes=").append(ex.responseBytes)
            .append(" duration_ms=").append(durationMs)
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
        line.begin()
            .appendTimestamp(startEpochMs + durationMs)
            .append(" listener=").append(listener)
            .append(" client=").append(client)
            .append(" connection_closed requests=").append(requests)
            .append(" from_client=").append(fromClient)
            .append(" to_client=").append(toClient)
            .append(" duration_ms=").append(durationMs)
            .append(" reason=").append(reason.logName())
            .append(" side=").append(side.logName())
            .commit();
    }
}
