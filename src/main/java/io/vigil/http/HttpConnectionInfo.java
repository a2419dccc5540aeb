package io.vigil.http;

import io.vigil.config.ListenerConfig;
import io.vigil.net.Sockets;
import io.vigil.session.Downstream;
import io.vigil.session.Listener;
import io.vigil.session.SessionInfo;
import io.vigil.upstream.UpstreamGroup;

import java.util.concurrent.TimeUnit;

/**
 * What an HTTP connection reports on /connections: its phase, addresses, age, idle time and byte counts, read from
 * the parts that hold them. Reporting only (never on a hot path); the connection drives, this describes. Owned by
 * the connection's loop.
 */
final class HttpConnectionInfo
{
    private static final String[] PHASES = {"idle", "exchange", "tunnel", "closing", "closed"};

    private final HttpConnection connection;
    private final Listener listener;
    private final Downstream client;
    private final UpstreamGroup group;
    private final ClientInput in;
    private final Exchange ex;
    private final UpstreamLease lease;
    private final ResponseRelay response;

    HttpConnectionInfo(
        final HttpConnection connection, final Listener listener, final Downstream client, final UpstreamGroup group,
        final ClientInput in, final Exchange ex, final UpstreamLease lease, final ResponseRelay response)
    {
        this.connection = connection;
        this.listener = listener;
        this.client = client;
        this.group = group;
        this.in = in;
        this.ex = ex;
        this.lease = lease;
        this.response = response;
    }

    /**
     * The connection as it is now.
     *
     * @param nowNs   the loop's clock.
     * @param startNs when the connection began.
     * @return the listing row.
     */
    SessionInfo describe(final long nowNs, final long startNs)
    {
        final int phase = connection.phase;
        final HttpTunnel tunnel = phase == HttpConnection.TUNNEL ? connection.tunnel() : null;
        final boolean up = lease.state == UpstreamLease.READY;
        final long lastNs = tunnel != null ? tunnel.relay.lastActivityNs() :
            Math.max(Math.max(in.lastReadNs, response.wroteNs), Math.max(connection.idleSinceNs, ex.startNs));
        return new SessionInfo(listener.name(), ListenerConfig.Mode.HTTP.name().toLowerCase(),
            listener.generation(), PHASES[phase], client.address(), Sockets.localAddress(client.channel()),
            up ? lease.connector.lastPeerName() : "-", up ? Sockets.localAddress(lease.channel) : null,
            up ? Sockets.remoteAddress(lease.channel) : null,
            TimeUnit.NANOSECONDS.toMillis(nowNs - startNs), TimeUnit.NANOSECONDS.toMillis(nowNs - lastNs),
            in.bytes + (tunnel != null ? tunnel.relay.bytesFromClient() : 0),
            connection.toClient + ex.responseBytes + (tunnel != null ? tunnel.relay.bytesToClient() : 0),
            connection.requestsServed, listener.config().soKeepalive().toString(),
            group.config().soKeepalive().toString(), null);
    }
}
