package io.vigil.session;

import io.vigil.loop.EventLoop;
import io.vigil.loop.SelectHandler;
import io.vigil.loop.TimerTarget;
import io.vigil.net.Errno;
import io.vigil.net.Sockets;
import io.vigil.net.UserTimeouts;
import io.vigil.stats.Histogram;
import io.vigil.stats.LoopCounters;
import io.vigil.stats.ServerCounters;
import io.vigil.stats.UpstreamCounters;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.UpstreamGroup;
import org.agrona.DeadlineTimerWheel;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The one path from a session to a new upstream connection, for both modes: pick a server (bounded tries, each
 * server once unless next-upstream-tries says otherwise), open and tune a non-blocking socket, connect with
 * connect-timeout, and account for it: a refused or timed-out connect counts against the server (passive
 * health), a failure of this host (no descriptor, no local port) never does. The owner decides after each
 * failed attempt whether to try again. While connecting, the connector is the socket key's handler; once
 * connected the key is handed to the owner. Owned by the session's loop.
 */
public final class UpstreamConnector implements SelectHandler, TimerTarget
{
    /** What the owning session hears. */
    public interface Owner
    {
        /**
         * The upstream socket is connected and tuned; the owner attaches itself to the key.
         *
         * @param channel the socket.
         * @param key     its key, interest ops 0.
         */
        void onUpstreamConnected(SocketChannel channel, SelectionKey key);

        /**
         * An attempt failed (already counted against its server unless local); the owner may {@link #pick} again.
         *
         * @param local true when this host failed (no descriptor, no local port): trying another server will not
         *              help and no server is to blame.
         */
        void onUpstreamAttemptFailed(boolean local);
    }

    private static final long NO_TIMER = DeadlineTimerWheel.NULL_DEADLINE;

    private final Owner owner;
    private final EventLoop loop;
    private final LoopCounters counters;
    private final long upstreamUserTimeoutMs;
    private PeerPicker picker;
    private UpstreamGroup group;
    private int clientHash;
    private Peer peer;
    private String lastPeerName = "-";
    private int tries;
    private long triedMask;
    private SocketChannel channel;
    private SelectionKey key;
    private long timerId = NO_TIMER;
    private long startedNs;

    /**
     * @param owner      told about each attempt's outcome.
     * @param shard      the session's listener on this loop (picker, counters).
     * @param clientHash the balancer's hash of the client (balance = hash).
     */
    public UpstreamConnector(final Owner owner, final ListenerShard shard, final int clientHash)
    {
        this.owner = owner;
        this.loop = shard.loop();
        this.picker = shard.picker();
        this.group = picker.group();
        this.upstreamUserTimeoutMs = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(
            shard.listener().upstreamUserTimeoutNs());
        this.counters = loop.counters();
        this.clientHash = clientHash;
    }

    /**
     * Connect to another group than the listener's (a route chosen by what the client sent first). Call before
     * the first {@link #pick}.
     *
     * @param routePicker the loop's balancer state for that group.
     * @param hash        the balancer's hash of the client for that group (balance = hash).
     */
    public void route(final PeerPicker routePicker, final int hash)
    {
        this.picker = routePicker;
        this.group = routePicker.group();
        this.clientHash = hash;
    }

    /**
     * Choose the next server to try, counting a session on it (max-conns).
     *
     * @return the server, or null when the tries are used up or no server is available.
     */
    public Peer pick()
    {
        if (tries >= group.maxTries())
        {
            return null;
        }
        final Peer next = picker.next(triedMask, clientHash, loop.nowNs());
        if (next == null)
        {
            return null;
        }
        peer = next;
        lastPeerName = next.name();
        tries++;
        triedMask |= picker.bit(next);
        return next;
    }

    /**
     * Connect to the server {@link #pick} chose. The outcome comes through the owner, possibly before this
     * returns (a connect that completes or fails at once).
     */
    public void connect()
    {
        counters.increment(peer.stats() + ServerCounters.CONNECT_ATTEMPTS);
        // not the loop's cached clock: a loopback connect finishes within one pass, where that clock stands still
        startedNs = System.nanoTime();
        final SocketChannel opened = Sockets.openNonBlocking(peer.address());
        if (opened == null)
        {
            failed(true, ServerCounters.ConnectFailure.LOCAL); // EMFILE and the like: says nothing about the server
            return;
        }
        group.tuning().apply(opened);
        if (upstreamUserTimeoutMs > 0)
        {
            UserTimeouts.apply(opened, upstreamUserTimeoutMs);
        }
        channel = opened;
        final boolean connectedAtOnce;
        try
        {
            connectedAtOnce = opened.connect(peer.address());
        }
        catch (final IOException ex)
        {
            final boolean local = Sockets.isLocalFailure(ex);
            failed(local, local ? ServerCounters.ConnectFailure.LOCAL : failureOf(ex));
            return;
        }
        try
        {
            // on loopback (and a node's veth) the handshake completes inside connect(2), which still says
            // EINPROGRESS: finishing at once saves the OP_CONNECT registration, its timer and a loop pass; a remote
            // server costs one poll(0). What this finishConnect throws (a refusal) is classified as onSelect's.
            if (connectedAtOnce || opened.finishConnect())
            {
                key = opened.register(loop.selector(), 0, this);
                connected();
            }
            else
            {
                key = opened.register(loop.selector(), SelectionKey.OP_CONNECT, this);
                timerId = loop.schedule(loop.nowNs() + group.config().connectTimeoutNs(), this);
            }
        }
        catch (final IOException ex)
        {
            failed(false, failureOf(ex));
        }
    }

    /**
     * Pick and connect until an attempt is under way, or tell the owner there is nothing left to try.
     *
     * @return false when no server could be picked (the owner was not told).
     */
    public boolean connectNext()
    {
        if (pick() == null)
        {
            return false;
        }
        connect();
        return true;
    }

    @Override
    public void onSelect(final SelectionKey selected)
    {
        if ((selected.readyOps() & SelectionKey.OP_CONNECT) == 0 || channel == null)
        {
            return;
        }
        try
        {
            if (channel.finishConnect())
            {
                connected();
            }
        }
        catch (final IOException ex)
        {
            failed(false, failureOf(ex));
        }
    }

    @Override
    public void onTimer(final long firedTimerId, final long nowNs)
    {
        timerId = NO_TIMER;
        if (channel != null)
        {
            failed(false, ServerCounters.ConnectFailure.TIMEOUT); // this server is not answering
        }
    }

    @Override
    public void onFailure(final Exception ex)
    {
        failed(false, ServerCounters.ConnectFailure.ERROR);
    }

    private void connected()
    {
        loop.cancel(timerId);
        timerId = NO_TIMER;
        peer.onSuccess();
        Histogram.CONNECT_SECONDS.record(counters, group.stats() + UpstreamCounters.CONNECT_DURATION,
            System.nanoTime() - startedNs);
        final SocketChannel connectedChannel = channel;
        final SelectionKey connectedKey = key;
        channel = null;
        key = null;
        connectedKey.attach(null);
        if (connectedKey.interestOps() != 0)
        {
            connectedKey.interestOps(0);
        }
        owner.onUpstreamConnected(connectedChannel, connectedKey);
    }

    private void failed(final boolean local, final ServerCounters.ConnectFailure why)
    {
        counters.increment(peer.stats() + ServerCounters.CONNECT_FAILURES + why.ordinal());
        abandon();
        if (local)
        {
            releasePeer();
        }
        else
        {
            failPeer();
        }
        owner.onUpstreamAttemptFailed(local);
    }

    private static ServerCounters.ConnectFailure failureOf(final IOException ex)
    {
        return Errno.of(ex) == Errno.ECONNREFUSED ? ServerCounters.ConnectFailure.REFUSED :
            ServerCounters.ConnectFailure.ERROR;
    }

    /**
     * Stop a connect under way (the session is closing): the socket is closed, the server keeps its count.
     */
    public void abandon()
    {
        loop.cancel(timerId);
        timerId = NO_TIMER;
        loop.closeSoon(channel); // tells acceptors paused at EMFILE once the descriptor is free
        channel = null;
        key = null;
    }

    /**
     * The current server failed this session (a connect, or a death under an open session): count it against
     * the server (passive health) and stop counting the session on it.
     */
    public void failPeer()
    {
        if (peer != null)
        {
            group.recordFailure(peer, loop.nowNs());
            releasePeer();
        }
    }

    /**
     * The session is done with the current server, without blame.
     */
    public void releasePeer()
    {
        if (peer != null)
        {
            peer.release();
            peer = null;
        }
    }

    /**
     * Adopt a server chosen for a pooled connection as if it had been connected (HTTP mode).
     */
    public void onPooledConnection()
    {
        counters.increment(group.stats() + UpstreamCounters.POOL_REUSES);
    }

    /**
     * Give back the last try (a pooled connection closed under the request is the idle-close race, not a try of
     * that server): the same server may be picked again, on a fresh connection.
     *
     * @param server the server whose try to forgive.
     */
    public void forgive(final Peer server)
    {
        tries--;
        triedMask &= ~picker.bit(server);
    }

    /**
     * Start over for a new request (HTTP mode): no tries yet.
     */
    public void reset()
    {
        tries = 0;
        triedMask = 0;
        lastPeerName = "-";
    }

    /**
     * @return the server in use (connecting or connected), or null.
     */
    public Peer peer()
    {
        return peer;
    }

    /**
     * @return the last server picked, as logs write it ("-" when none).
     */
    public String lastPeerName()
    {
        return lastPeerName;
    }

    /**
     * @return servers picked so far (for the access log's tries=).
     */
    public int tries()
    {
        return tries;
    }

    /**
     * @return true while a connect is under way.
     */
    public boolean connecting()
    {
        return channel != null;
    }

    /**
     * @return the socket of the connect under way, or null.
     */
    public SocketChannel connectingChannel()
    {
        return channel;
    }

    /**
     * @return the group sessions connect to.
     */
    public UpstreamGroup group()
    {
        return group;
    }
}
