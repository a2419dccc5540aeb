package io.vigil.tcp;

import io.vigil.session.Flow;
import io.vigil.session.ListenerShard;
import io.vigil.session.SessionStarter;
import io.vigil.session.Side;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopSession;
import io.vigil.loop.SelectHandler;
import io.vigil.loop.TimerTarget;
import io.vigil.session.CloseReason;
import io.vigil.net.HostPort;
import io.vigil.net.SocketProbe;
import io.vigil.net.SocketTuning;
import io.vigil.net.Sockets;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.PeerUser;
import io.vigil.upstream.UpstreamGroup;
import org.agrona.CloseHelper;
import org.agrona.DeadlineTimerWheel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One proxied pair: the accepted (downstream) socket and its upstream socket, on one loop for its whole life.
 *
 * <p>Connect: non-blocking, bounded by connect-timeout, moving to the next server on failure. Relay: two
 * {@link Flow}s pumped the same way with ends swapped; interest ops are derived after each pump, so a full
 * buffer stops reading (backpressure) and pending bytes ask for OP_WRITE. EOF is forwarded as a half-close.
 * Any socket error closes both sides at once with a {@link CloseReason}; ETIMEDOUT on a keepalive socket is the
 * kernel's dead-peer verdict. A socket left with no interest ops is invisible to epoll, so while one exists a
 * liveness timer asks the kernel about it ({@link SocketProbe}).
 */
public final class TcpSession extends LoopSession implements SelectHandler, TimerTarget, PeerUser
{
    /** How often a socket that epoll cannot see (interest ops 0) is asked whether it failed. */
    static final long LIVENESS_CHECK_NS = TimeUnit.MILLISECONDS.toNanos(250);

    private static final int CONNECTING = 0;
    private static final int RELAYING = 1;
    private static final int CLOSED = 2;
    private static final long NO_TIMER = DeadlineTimerWheel.NULL_DEADLINE;

    private final ListenerShard shard;
    private final EventLoop loop;
    private final SocketChannel downstream;
    private final Flow toUpstream = new Flow();
    private final Flow toDownstream = new Flow();
    private final long startNs;
    private final long startEpochMs;
    private final InetSocketAddress clientAddress;

    private SelectionKey downstreamKey;
    private SocketChannel upstream;
    private SelectionKey upstreamKey;
    private Peer peer;
    private String lastPeerName = "-";
    private int state = CONNECTING;
    private int tries;
    private long triedMask;
    private long lastActivityNs;
    private long connectTimerId = NO_TIMER;
    private long livenessTimerId = NO_TIMER;
    /** Whose FIN came first: the side a normal end is logged with. */
    private Side firstFin;

    TcpSession(final ListenerShard shard, final SocketChannel downstream)
    {
        this.shard = shard;
        this.loop = shard.loop();
        this.downstream = downstream;
        this.startNs = loop.nowNs();
        this.startEpochMs = System.currentTimeMillis();
        this.lastActivityNs = startNs;
        this.clientAddress = Sockets.remoteAddress(downstream);
    }

    /**
     * The tcp-mode {@link SessionStarter}.
     */
    public static void startOn(final ListenerShard shard, final SocketChannel downstream)
    {
        final TcpSession session = new TcpSession(shard, downstream);
        try
        {
            session.start();
        }
        catch (final IOException | RuntimeException ex)
        {
            session.onFailure(ex);
        }
    }

    void start() throws IOException
    {
        loop.add(this);
        // client bytes wait in the kernel until the upstream is connected
        downstreamKey = downstream.register(loop.selector(), 0, this);
        connectNext();
    }

    private void connectNext()
    {
        final UpstreamGroup group = shard.picker().group();
        final int maxTries = group.maxTries();
        while (tries < maxTries)
        {
            final Peer next = shard.picker().next(triedMask, clientHash(), loop.nowNs());
            if (next == null)
            {
                break;
            }
            peer = next;
            lastPeerName = next.name();
            tries++;
            triedMask |= shard.picker().bit(next);
            final SocketChannel channel = Sockets.openNonBlocking();
            if (channel == null)
            {
                // a local failure (e.g. EMFILE) says nothing about the server: do not count it against the peer
                peer.release();
                peer = null;
                close(CloseReason.ERROR, Side.PROXY);
                return;
            }
            group.tuning().apply(channel);
            upstream = channel;
            try
            {
                if (channel.connect(next.address()))
                {
                    upstreamKey = channel.register(loop.selector(), 0, this);
                    onConnected();
                }
                else
                {
                    upstreamKey = channel.register(loop.selector(), SelectionKey.OP_CONNECT, this);
                    connectTimerId = loop.schedule(loop.nowNs() + group.config().connectTimeoutNs(), this);
                }
                return;
            }
            catch (final IOException ex)
            {
                CloseHelper.quietClose(channel);
                upstream = null;
                upstreamKey = null;
                if (Sockets.isLocalFailure(ex))
                {
                    peer.release(); // no local port or descriptor: not the server's failure
                    peer = null;
                    close(CloseReason.ERROR, Side.PROXY);
                    return;
                }
                peerFailed();
            }
        }
        close(CloseReason.CONNECT_FAILED, Side.UPSTREAM);
    }

    private int clientHash()
    {
        return PeerPicker.clientHash(clientAddress, shard.picker().group().config().hashKey());
    }

    /** The current peer failed this session: count it (passive health) and stop counting the session on it. */
    private void peerFailed()
    {
        if (peer != null)
        {
            shard.picker().group().recordFailure(peer, loop.nowNs());
            peer.release();
            peer = null;
        }
    }

    private void onConnectReady()
    {
        try
        {
            if (upstream.finishConnect())
            {
                loop.cancel(connectTimerId);
                connectTimerId = NO_TIMER;
                onConnected();
            }
        }
        catch (final IOException ex)
        {
            abandonAttempt();
            peerFailed();
            connectNext();
        }
    }

    private void abandonAttempt()
    {
        loop.cancel(connectTimerId);
        connectTimerId = NO_TIMER;
        CloseHelper.quietClose(upstream);
        upstream = null;
        upstreamKey = null;
    }

    private void onConnected()
    {
        state = RELAYING;
        peer.onSuccess();
        toUpstream.src = downstream;
        toUpstream.dst = upstream;
        toDownstream.src = upstream;
        toDownstream.dst = downstream;
        // the client may have sent bytes while we connected
        toUpstream.readReady = true;
        lastActivityNs = loop.nowNs();
        shard.listener().observer().onEstablished(shard.listener().name(), downstream, upstream);
        relay();
    }

    @Override
    public void onSelect(final SelectionKey key)
    {
        final int ready = key.readyOps();
        if (state == CONNECTING)
        {
            if (key == upstreamKey && (ready & SelectionKey.OP_CONNECT) != 0)
            {
                onConnectReady();
            }
            return;
        }
        if (state != RELAYING)
        {
            return;
        }
        final Flow inbound = key == downstreamKey ? toUpstream : toDownstream;
        final Flow outbound = key == downstreamKey ? toDownstream : toUpstream;
        if ((ready & SelectionKey.OP_READ) != 0)
        {
            inbound.readReady = true;
        }
        if ((ready & SelectionKey.OP_WRITE) != 0)
        {
            outbound.writeReady = true;
        }
        relay();
    }

    private void relay()
    {
        if (pump(toUpstream, Side.CLIENT, Side.UPSTREAM) && pump(toDownstream, Side.UPSTREAM, Side.CLIENT))
        {
            if (toUpstream.finished() && toDownstream.finished())
            {
                close(CloseReason.EOF, firstFin);
            }
            else
            {
                updateInterest();
            }
        }
    }

    /**
     * One relay step of one direction.
     *
     * @return false when the session was closed.
     */
    private boolean pump(final Flow flow, final Side srcSide, final Side dstSide)
    {
        final int result = flow.pump(shard.buffers(), loop.nowNs());
        if (result == Flow.SRC_FAILED || result == Flow.DST_FAILED)
        {
            final Side side = result == Flow.SRC_FAILED ? srcSide : dstSide;
            close(CloseReason.of(flow.failure, idleKeepAlive(side)), side);
            return false;
        }
        if (result == Flow.MOVED)
        {
            lastActivityNs = loop.nowNs();
            if (firstFin == null && flow.srcEof)
            {
                firstFin = srcSide;
            }
        }
        return true;
    }

    private void updateInterest()
    {
        final int capacity = shard.buffers().bufferSize();
        final int downstreamOps = (toUpstream.wantsRead(capacity) ? SelectionKey.OP_READ : 0) |
            (toDownstream.pending() ? SelectionKey.OP_WRITE : 0);
        final int upstreamOps = (toDownstream.wantsRead(capacity) ? SelectionKey.OP_READ : 0) |
            (toUpstream.pending() ? SelectionKey.OP_WRITE : 0);
        if (downstreamKey.interestOps() != downstreamOps)
        {
            downstreamKey.interestOps(downstreamOps);
        }
        if (upstreamKey.interestOps() != upstreamOps)
        {
            upstreamKey.interestOps(upstreamOps);
        }
        if (livenessTimerId == NO_TIMER && (downstreamOps == 0 || upstreamOps == 0) && SocketProbe.available())
        {
            livenessTimerId = loop.schedule(loop.nowNs() + LIVENESS_CHECK_NS, this);
        }
    }

    @Override
    public void onTimer(final long firedTimerId, final long nowNs)
    {
        if (firedTimerId == livenessTimerId)
        {
            livenessTimerId = NO_TIMER;
            checkLiveness();
        }
        else if (firedTimerId == connectTimerId)
        {
            connectTimerId = NO_TIMER;
            if (state == CONNECTING)
            {
                // connect timeout: this server is not answering, try the next
                abandonAttempt();
                peerFailed();
                connectNext();
            }
        }
    }

    @Override
    public void onSweep(final long nowNs)
    {
        // proxy-timeout: no bytes moved either way for that long
        if (state == RELAYING && nowNs - lastActivityNs >= shard.listener().config().proxyTimeoutNs())
        {
            close(CloseReason.IDLE_TIMEOUT, Side.PROXY);
        }
    }

    private void checkLiveness()
    {
        if (state != RELAYING)
        {
            return;
        }
        if (downstreamKey.interestOps() == 0 && !(toUpstream.srcEof && toDownstream.dstShut) &&
            SocketProbe.hasFailed(downstream))
        {
            closeOnProbe(downstream, Side.CLIENT);
            return;
        }
        if (upstreamKey.interestOps() == 0 && !(toDownstream.srcEof && toUpstream.dstShut) &&
            SocketProbe.hasFailed(upstream))
        {
            closeOnProbe(upstream, Side.UPSTREAM);
            return;
        }
        if (downstreamKey.interestOps() == 0 || upstreamKey.interestOps() == 0)
        {
            livenessTimerId = loop.schedule(loop.nowNs() + LIVENESS_CHECK_NS, this);
        }
    }

    private void closeOnProbe(final SocketChannel channel, final Side side)
    {
        final int errno = SocketProbe.pendingError(channel);
        close(CloseReason.ofErrno(errno, idleKeepAlive(side)), side);
    }

    /** Keepalive is on for that side and nothing was in flight to it: an ETIMEDOUT there is the keepalive verdict. */
    private boolean idleKeepAlive(final Side side)
    {
        final SocketTuning tuning = side == Side.CLIENT ?
            shard.listener().downstreamTuning() : shard.picker().group().tuning();
        final Flow toward = side == Side.CLIENT ? toDownstream : toUpstream;
        return tuning.keepAliveEnabled() && !toward.dataInFlight(loop.nowNs(), tuning.keepAliveBudgetNs());
    }

    @Override
    public void onFailure(final Exception ex)
    {
        close(ex instanceof IOException ? CloseReason.of((IOException)ex, false) : CloseReason.ERROR, Side.PROXY);
    }

    /**
     * A health check marked a peer down and its group closes sessions on down: end this one if it uses that peer.
     *
     * @param down the peer.
     */
    @Override
    public void onPeerDown(final Peer down)
    {
        if (peer == down)
        {
            close(CloseReason.SERVER_DOWN, Side.UPSTREAM);
        }
    }

    @Override
    public void shutdown()
    {
        close(CloseReason.SHUTDOWN, Side.PROXY);
    }

    /**
     * The one teardown: cancel timers, return buffers, close both sockets, log.
     */
    void close(final CloseReason reason, final Side side)
    {
        if (state == CLOSED)
        {
            return;
        }
        state = CLOSED;
        if (peer != null)
        {
            if (side == Side.UPSTREAM && (reason == CloseReason.KEEPALIVE_TIMEOUT || reason == CloseReason.PEER_TIMEOUT))
            {
                peerFailed(); // the server died under an open session: a failure, as a refused connect is
            }
            else
            {
                peer.release();
                peer = null;
            }
        }
        loop.cancel(connectTimerId);
        loop.cancel(livenessTimerId);
        connectTimerId = NO_TIMER;
        livenessTimerId = NO_TIMER;
        toUpstream.release(shard.buffers());
        toDownstream.release(shard.buffers());
        CloseHelper.quietClose(downstream);
        CloseHelper.quietClose(upstream);
        loop.remove(this);
        writeAccessLog(reason, side);
        shard.listener().observer().onClosed(shard.listener().name(), reason, side);
    }

    private void writeAccessLog(final CloseReason reason, final Side side)
    {
        if (!shard.listener().config().accessLog())
        {
            return;
        }
        final long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        shard.logLine().begin()
            .appendTimestamp(startEpochMs + durationMs)
            .append(" listener=").append(shard.listener().name())
            .append(" client=").append(clientAddress == null ? "-" : HostPort.format(clientAddress))
            .append(" upstream=").append(lastPeerName)
            .append(" tries=").append(tries)
            .append(" from_client=").append(toUpstream.bytes)
            .append(" from_upstream=").append(toDownstream.bytes)
            .append(" duration_ms=").append(durationMs)
            .append(" reason=").append(reason.logName())
            .append(" side=").append(side.logName())
            .commit();
    }

}
