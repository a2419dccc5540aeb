package io.vigil.http;

import io.vigil.session.CloseReason;
import io.vigil.session.Listener;
import io.vigil.session.ListenerShard;
import io.vigil.session.Relay;
import io.vigil.session.Side;
import io.vigil.upstream.UpstreamGroup;

import java.nio.channels.SelectionKey;

/**
 * The tunnel phase, after 101 Switching Protocols or a CONNECT's 2xx: the client and upstream sockets relayed as in
 * tcp mode by a {@link Relay}, starting with what the exchange still held either way, until both ends finished or a
 * socket failed (the relay tells the connection) or proxy-timeout passed with nothing moving. Created at the switch,
 * never for a connection that does not switch; owned by the connection's loop.
 */
final class HttpTunnel
{
    /** The relay: byte counts, keepalive verdicts and release, for the connection. */
    final Relay relay;
    private final HttpConnection connection;

    /**
     * @param connection the connection switching; it owns the relay.
     * @param group      the upstream group the upstream socket belongs to (its socket tuning).
     */
    HttpTunnel(final HttpConnection connection, final UpstreamGroup group)
    {
        this.connection = connection;
        final ListenerShard shard = connection.shard();
        final Listener listener = connection.listener();
        this.relay = new Relay(connection, shard.loop(), shard.buffers(), listener.downstreamTuning(), group.tuning(),
            shard.counters(), listener.stats());
    }

    /**
     * Take both sockets and what the exchange's parts still hold over, give their buffers back, and relay.
     */
    void start(
        final SelectionKey clientKey, final ClientInput in, final ResponseRelay response,
        final RequestForwarder forwarder, final UpstreamLease lease)
    {
        lease.key.attach(connection);
        relay.start(clientKey, lease.key);
        relay.carryFromClient(in.buf, in.pos, in.end, in.eof);
        in.take();
        relay.carryFromUpstream(response.takeIn(), response.pos, response.end, lease.eof);
        response.release();
        forwarder.release();
        relay.run();
    }

    /**
     * A socket is ready: move what can move.
     *
     * @param key the client's or the upstream's key.
     */
    void onSelect(final SelectionKey key)
    {
        relay.onReady(key, key.readyOps());
        relay.run();
    }

    /**
     * From the sweep: proxy-timeout, no bytes moved either way for that long; else user-timeout's write-stall
     * fallback (Java 17), as in tcp mode.
     *
     * @param nowNs the loop's time.
     */
    void sweep(final long nowNs)
    {
        if (nowNs - relay.lastActivityNs() >= connection.listener().config().proxyTimeoutNs())
        {
            connection.close(CloseReason.IDLE_TIMEOUT, Side.PROXY);
            return;
        }
        final Side stalled = relay.writeStalledSide(nowNs);
        if (stalled != null)
        {
            connection.close(CloseReason.USER_TIMEOUT, stalled);
        }
    }
}
