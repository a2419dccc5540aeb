package io.vigil.tcp;

import io.vigil.config.ListenerConfig;
import io.vigil.config.LogFormat;
import io.vigil.config.SendProxyProtocol;
import io.vigil.log.Log;
import io.vigil.net.Sockets;
import io.vigil.proxyproto.ProxyHeaderWriter;
import io.vigil.session.CloseReason;
import io.vigil.session.Downstream;
import io.vigil.session.ListenerShard;
import io.vigil.session.Relay;
import io.vigil.session.Session;
import io.vigil.session.SessionInfo;
import io.vigil.session.Side;
import io.vigil.session.UpstreamConnector;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One proxied pair in tcp mode: the accepted socket and its upstream socket, on one loop for its whole life.
 * Connecting goes through the {@link UpstreamConnector} (failover, connect-timeout, passive health); relaying
 * through a {@link Relay} (backpressure, half-close, dead peers while paused). Client bytes wait in the kernel
 * until the upstream is connected. {@code proxy-timeout} is checked by the loop's sweep.
 */
public final class TcpSession extends Session implements UpstreamConnector.Owner, Relay.Owner
{
    private static final int CONNECTING = 0;
    private static final int RELAYING = 1;
    private static final int CLOSED = 2;

    private final UpstreamConnector connector;
    private final Relay relay;
    private SocketChannel upstream;
    private SelectionKey upstreamKey;
    private int state = CONNECTING;

    private TcpSession(final ListenerShard shard, final Downstream client)
    {
        super(shard, client);
        this.connector = new UpstreamConnector(this, shard,
            PeerPicker.clientHash(client.address(), shard.picker().group().config().hashKey()));
        this.relay = new Relay(this, loop, shard.buffers(), listener.downstreamTuning(),
            shard.picker().group().tuning(), counters, listener.stats());
        relay.userTimeouts(listener.clientUserTimeoutNs(), listener.upstreamUserTimeoutNs(),
            listener.userTimeoutByWriteStall());
    }

    /**
     * The tcp-mode session starter.
     *
     * @param shard  the listener on the accepting loop.
     * @param client the accepted socket.
     */
    public static void startOn(final ListenerShard shard, final Downstream client)
    {
        final TcpSession session = new TcpSession(shard, client);
        try
        {
            session.begin(0); // client bytes wait in the kernel until the upstream is connected
            session.tryNext();
        }
        catch (final IOException | RuntimeException ex)
        {
            session.onFailure(ex);
        }
    }

    private void tryNext()
    {
        if (!connector.connectNext())
        {
            close(CloseReason.CONNECT_FAILED, Side.UPSTREAM);
        }
    }

    @Override
    public void onUpstreamAttemptFailed(final boolean local)
    {
        if (state != CONNECTING)
        {
            return;
        }
        if (local)
        {
            close(CloseReason.ERROR, Side.PROXY); // this host's failure: another server would not help
        }
        else
        {
            tryNext();
        }
    }

    @Override
    public void onUpstreamConnected(final SocketChannel channel, final SelectionKey key)
    {
        upstream = channel;
        upstreamKey = key;
        key.attach(this);
        if (state != CONNECTING)
        {
            return; // closed meanwhile: close() picks the socket up
        }
        state = RELAYING;
        relay.start(clientKey, upstreamKey);
        sendProxyHeader();
        listener.observer().onEstablished(listener.name(), client.channel(), upstream);
        relay.run();
    }

    /** send-proxy-protocol: the header goes out first, ahead of any client byte, through the relay's buffer. */
    private void sendProxyHeader()
    {
        final SendProxyProtocol send = shard.picker().group().config().sendProxyProtocol();
        if (send != SendProxyProtocol.OFF)
        {
            final ByteBuffer header = shard.buffers().acquire();
            ProxyHeaderWriter.write(send == SendProxyProtocol.V1 ? 1 : 2, client.address(),
                Sockets.localAddress(client.channel()), header);
            relay.carryFromClient(header, 0, header.position(), false);
        }
    }

    @Override
    public void onSelect(final SelectionKey key)
    {
        if (state == RELAYING)
        {
            relay.onReady(key, key.readyOps());
            relay.run();
        }
    }

    @Override
    public void onRelayEnded(final CloseReason reason, final Side side)
    {
        close(reason, side);
    }

    @Override
    public void onTimer(final long timerId, final long nowNs)
    {
        // no timers of its own: the connector and the relay have theirs
    }

    @Override
    public void onSweep(final long nowNs)
    {
        // proxy-timeout: no bytes moved either way for that long
        if (state == RELAYING && nowNs - relay.lastActivityNs() >= listener.config().proxyTimeoutNs())
        {
            close(CloseReason.IDLE_TIMEOUT, Side.PROXY);
            return;
        }
        final Side stalled = state == RELAYING ? relay.writeStalledSide(nowNs) : null;
        if (stalled != null)
        {
            close(CloseReason.USER_TIMEOUT, stalled);
        }
    }

    @Override
    public void onFailure(final Exception ex)
    {
        if (!(ex instanceof IOException))
        {
            Log.error("listener " + listener.name() + ": tcp session failed", ex);
        }
        close(ex instanceof IOException ? CloseReason.of((IOException)ex, false) : CloseReason.ERROR, Side.PROXY);
    }

    @Override
    public void onPeerDown(final Peer down)
    {
        if (down.sameServer(connector.peer()))
        {
            close(CloseReason.SERVER_DOWN, Side.UPSTREAM);
        }
    }

    @Override
    public void shutdown()
    {
        close(CloseReason.SHUTDOWN, Side.PROXY);
    }

    @Override
    public void end(final CloseReason reason)
    {
        close(reason, Side.PROXY);
    }

    @Override
    public SocketChannel upstreamChannel()
    {
        return state == RELAYING ? upstream : null;
    }

    @Override
    public SocketChannel connectingUpstreamChannel()
    {
        return connector.connectingChannel();
    }

    @Override
    public Peer upstreamPeer()
    {
        return connector.peer();
    }

    /**
     * The one teardown: release the server, stop the relay, close both sockets, account and log.
     */
    private void close(final CloseReason reason, final Side side)
    {
        if (state == CLOSED)
        {
            return;
        }
        final boolean relaying = state == RELAYING;
        state = CLOSED;
        if (side == Side.UPSTREAM && reason.deadPeer())
        {
            connector.failPeer(); // the server died under an open session: a failure, as a refused connect is
        }
        else
        {
            connector.releasePeer();
        }
        connector.abandon();
        relay.release();
        if (reason == CloseReason.USER_TIMEOUT)
        {
            // the peer is gone: reset instead of leaving an orphan that retransmits the unsent bytes for minutes
            abortOnClose(side == Side.CLIENT ? client.channel() : upstream);
        }
        CloseHelper.quietClose(client.channel());
        CloseHelper.quietClose(upstream);
        writeAccessLog(reason, side, relaying);
        ended(reason, side);
    }

    private static void abortOnClose(final SocketChannel channel)
    {
        try
        {
            if (channel != null)
            {
                channel.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // closed already: nothing to abort
        }
    }

    private void writeAccessLog(final CloseReason reason, final Side side, final boolean relayed)
    {
        if (!listener.config().accessLog())
        {
            return;
        }
        final long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        shard.logLine().begin(listener.config().accessLogFormat() == LogFormat.JSON, startEpochMs + durationMs)
            .field("listener", listener.name())
            .field("client", client.text())
            .field("upstream", connector.lastPeerName())
            .field("tries", connector.tries())
            .field("from_client", relayed ? relay.bytesFromClient() : 0)
            .field("from_upstream", relayed ? relay.bytesFromUpstream() : 0)
            .field("duration_ms", durationMs)
            .field("reason", reason.logName())
            .field("side", side.logName())
            .commit();
    }

    @Override
    public SessionInfo describe(final long nowNs)
    {
        final boolean relaying = state == RELAYING;
        final long lastNs = relaying ? relay.lastActivityNs() : startNs;
        return new SessionInfo(listener.name(), ListenerConfig.Mode.TCP.name().toLowerCase(), listener.generation(),
            relaying ? "relaying" : "connecting", client.address(), Sockets.localAddress(client.channel()),
            connector.lastPeerName(), relaying ? Sockets.localAddress(upstream) : null,
            relaying ? Sockets.remoteAddress(upstream) : null,
            TimeUnit.NANOSECONDS.toMillis(nowNs - startNs), TimeUnit.NANOSECONDS.toMillis(nowNs - lastNs),
            relaying ? relay.bytesFromClient() : 0, relaying ? relay.bytesToClient() : 0, 0,
            listener.config().soKeepalive().toString(),
            shard.picker().group().config().soKeepalive().toString());
    }
}
