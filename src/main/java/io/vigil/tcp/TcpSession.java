package io.vigil.tcp;

import io.vigil.config.ListenerConfig;
import io.vigil.config.LogFormat;
import io.vigil.config.SendProxyProtocol;
import io.vigil.config.SniRoutes;
import io.vigil.log.LogLine;
import io.vigil.stats.ListenerCounters;
import io.vigil.tls.ClientHelloScanner;
import io.vigil.net.Sockets;
import io.vigil.proxyproto.ProxyHeaderWriter;
import io.vigil.session.CloseReason;
import io.vigil.session.Downstream;
import io.vigil.session.ListenerShard;
import io.vigil.session.Preface;
import io.vigil.session.Relay;
import io.vigil.session.Session;
import io.vigil.session.SessionInfo;
import io.vigil.session.Side;
import io.vigil.session.UpstreamConnector;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.UpstreamGroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One proxied pair in tcp mode: the accepted socket and its upstream socket, on one loop for its whole life.
 * A listener that must read before it can choose an upstream (routes by TLS server name) runs a {@link Preface}
 * first and forwards what it read ahead of everything else. Connecting goes through the {@link UpstreamConnector}
 * (failover, connect-timeout, passive health); relaying through a {@link Relay} (backpressure, half-close, dead
 * peers while paused). Client bytes wait in the kernel until the upstream is connected. {@code proxy-timeout} is
 * checked by the loop's sweep.
 */
public final class TcpSession extends Session implements UpstreamConnector.Owner, Relay.Owner, Preface.Owner
{
    private static final int PREFACE = 3;
    private static final int CONNECTING = 0;
    private static final int RELAYING = 1;
    private static final int CLOSED = 2;

    private final UpstreamConnector connector;
    private Relay relay;
    private Preface preface;
    private SniStep sni;
    private ByteBuffer readAhead;
    private int readAheadHead;
    private int readAheadTail;
    private boolean readAheadEof;
    private SocketChannel upstream;
    private SelectionKey upstreamKey;
    private int state = CONNECTING;

    private TcpSession(final ListenerShard shard, final Downstream client)
    {
        super(shard, client, "tcp session");
        this.connector = new UpstreamConnector(this, shard,
            PeerPicker.clientHash(client.address(), shard.picker().group().config().hashKey()));
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
            final Preface.Step[] steps = prefaceSteps(session, shard);
            if (steps == null)
            {
                session.begin(0); // client bytes wait in the kernel until the upstream is connected
                session.tryNext();
            }
            else
            {
                session.state = PREFACE;
                session.begin(SelectionKey.OP_READ);
                session.preface = new Preface(session, session.loop, shard.buffers(), steps);
                session.preface.start(session.clientKey);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            session.onFailure(ex);
        }
    }

    /**
     * What the listener reads before choosing an upstream, in wire order, or null for nothing: the one place a
     * step is added (a PROXY protocol header would come before the ClientHello).
     */
    private static Preface.Step[] prefaceSteps(final TcpSession session, final ListenerShard shard)
    {
        final SniRoutes routes = shard.listener().config().routes();
        if (routes == null)
        {
            return null;
        }
        session.sni = new SniStep(routes, ClientHelloScanner.DEFAULT_MAX_BYTES);
        return new Preface.Step[] {session.sni};
    }

    @Override
    public void onPrefaceDone(final ByteBuffer buffer, final int head, final int tail, final boolean eof)
    {
        readAhead = buffer;
        readAheadHead = head;
        readAheadTail = tail;
        readAheadEof = eof;
        counters.add(listener.stats() + ListenerCounters.BYTES_FROM_CLIENT, preface.bytesRead());
        final PeerPicker picker = sni == null ? shard.picker() : shard.routePicker(sni.route());
        connector.route(picker, PeerPicker.clientHash(client.address(), picker.group().config().hashKey()));
        state = CONNECTING;
        tryNext();
    }

    @Override
    public void onPrefaceFailed(final CloseReason reason, final Side side)
    {
        close(reason, side);
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
        relay = new Relay(this, loop, shard.buffers(), listener.downstreamTuning(), connector.group().tuning(),
            counters, listener.stats());
        relay.userTimeouts(listener.clientUserTimeoutNs(), listener.upstreamUserTimeoutNs(),
            listener.userTimeoutByWriteStall());
        relay.halfClose(listener.config().halfClose());
        relay.start(clientKey, upstreamKey);
        relay.readUpstreamWhenReady();
        carryToUpstream();
        listener.observer().onEstablished(listener.name(), client.channel(), upstream);
        relay.run();
    }

    /**
     * What goes upstream before the client's next byte: the PROXY header (send-proxy-protocol) first, then what a
     * preface step read (a TLS ClientHello), in one buffer the relay takes over.
     */
    private void carryToUpstream()
    {
        final SendProxyProtocol send = connector.group().config().sendProxyProtocol();
        if (send == SendProxyProtocol.OFF)
        {
            if (readAhead != null || readAheadEof)
            {
                relay.carryFromClient(readAhead, readAheadHead, readAheadTail, readAheadEof);
                readAhead = null;
            }
            return;
        }
        final ByteBuffer out = shard.buffers().acquire();
        ProxyHeaderWriter.write(send == SendProxyProtocol.V1 ? 1 : 2, client.address(),
            Sockets.localAddress(client.channel()), out);
        if (readAhead != null)
        {
            // the buffer holds a preface's bound plus the longest header (Generation sizes it)
            final int length = readAheadTail - readAheadHead;
            out.put(out.position(), readAhead, readAheadHead, length);
            out.position(out.position() + length);
            shard.buffers().release(readAhead);
            readAhead = null;
        }
        relay.carryFromClient(out, 0, out.position(), readAheadEof);
    }

    @Override
    public void onSelect(final SelectionKey key)
    {
        if (state == RELAYING)
        {
            relay.onReady(key, key.readyOps());
            relay.run();
        }
        else if (state == PREFACE)
        {
            preface.onReadable();
        }
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
    public UpstreamGroup upstreamGroup()
    {
        return connector.group();
    }

    @Override
    public Peer upstreamPeer()
    {
        return connector.peer();
    }

    /**
     * The one teardown: release the server, stop the relay, close both sockets, account and log.
     */
    @Override
    protected void close(final CloseReason reason, final Side side)
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
        if (preface != null)
        {
            preface.release();
        }
        if (readAhead != null)
        {
            shard.buffers().release(readAhead);
            readAhead = null;
        }
        if (relay != null)
        {
            relay.release();
        }
        if (reason == CloseReason.USER_TIMEOUT)
        {
            // the peer is gone: reset instead of leaving an orphan that retransmits the unsent bytes for minutes
            abortOnClose(side == Side.CLIENT ? client.channel() : upstream);
        }
        // after the select that deregisters their keys: the JDK then closes with close() alone (no SO_LINGER read
        // and shutdown first)
        loop.closeSoon(client.channel());
        loop.closeSoon(upstream);
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
        final LogLine line = shard.logLine().begin(listener.config().accessLogFormat() == LogFormat.JSON,
                startEpochMs + durationMs)
            .field("listener", listener.name())
            .field("client", client.text());
        if (sni != null)
        {
            line.field("sni", sni.serverName() == null ? "-" : sni.serverName());
        }
        line.field("upstream", connector.lastPeerName())
            .field("tries", connector.tries())
            .field("from_client", (relayed ? relay.bytesFromClient() : 0) + prefaceBytes())
            .field("from_upstream", relayed ? relay.bytesFromUpstream() : 0)
            .field("duration_ms", durationMs)
            .field("reason", reason.logName())
            .field("side", side.logName())
            .commit();
    }

    private long prefaceBytes()
    {
        return preface == null ? 0 : preface.bytesRead();
    }

    @Override
    public SessionInfo describe(final long nowNs)
    {
        final boolean relaying = state == RELAYING;
        final long lastNs = relaying ? relay.lastActivityNs() : startNs;
        return new SessionInfo(listener.name(), ListenerConfig.Mode.TCP.name().toLowerCase(), listener.generation(),
            relaying ? "relaying" : state == PREFACE ? "preface" : "connecting", client.address(),
            Sockets.localAddress(client.channel()),
            connector.lastPeerName(), relaying ? Sockets.localAddress(upstream) : null,
            relaying ? Sockets.remoteAddress(upstream) : null,
            TimeUnit.NANOSECONDS.toMillis(nowNs - startNs), TimeUnit.NANOSECONDS.toMillis(nowNs - lastNs),
            (relaying ? relay.bytesFromClient() : 0) + prefaceBytes(), relaying ? relay.bytesToClient() : 0, 0,
            listener.config().soKeepalive().toString(),
            connector.group().config().soKeepalive().toString(), listener.config().halfClose() ? "on" : "off");
    }
}
