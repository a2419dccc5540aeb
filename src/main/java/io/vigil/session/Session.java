package io.vigil.session;

import io.vigil.log.Log;
import io.vigil.loop.BufferUnavailable;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopSession;
import io.vigil.loop.SelectHandler;
import io.vigil.loop.TimerTarget;
import io.vigil.stats.Histogram;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.LoopCounters;
import io.vigil.upstream.PeerUser;

import java.io.IOException;
import java.nio.channels.SelectionKey;

/**
 * What every session (a tcp relay, an HTTP connection) is to its loop: it owns a client socket on one loop for
 * its whole life, is counted while open, answers the loop's sweep, shutdown and drain, can describe itself for
 * a live listing, and ends once, through its own close, which must call {@link #ended}. Subclasses are the
 * modes; everything here is the part they share.
 */
public abstract class Session extends LoopSession implements SelectHandler, TimerTarget, PeerUser
{
    protected final ListenerShard shard;
    protected final EventLoop loop;
    protected final Listener listener;
    protected final Downstream client;
    protected final LoopCounters counters;
    protected final long startNs;
    protected final long startEpochMs;
    protected SelectionKey clientKey;
    private final String kind;

    /**
     * @param shard  the listener on this loop.
     * @param client the accepted socket.
     * @param kind   what a log line calls it ("tcp session").
     */
    protected Session(final ListenerShard shard, final Downstream client, final String kind)
    {
        this(shard, client, kind, shard.loop().nowNs(), System.currentTimeMillis());
    }

    /**
     * @param shard        the listener on this loop.
     * @param client       the accepted socket.
     * @param kind         what a log line calls it ("tcp session").
     * @param startNs      when the session began (carried when it moves to a newer generation).
     * @param startEpochMs the same, wall clock.
     */
    protected Session(
        final ListenerShard shard, final Downstream client, final String kind, final long startNs,
        final long startEpochMs)
    {
        this.kind = kind;
        this.shard = shard;
        this.loop = shard.loop();
        this.listener = shard.listener();
        this.client = client;
        this.counters = shard.counters();
        this.startNs = startNs;
        this.startEpochMs = startEpochMs;
    }

    /**
     * Join the loop (counted as active from here) and register the client socket.
     *
     * @param interestOps what to wait for on the client socket first.
     * @throws IOException when registration fails; the caller ends the session with {@link #onFailure}.
     */
    protected final void begin(final int interestOps) throws IOException
    {
        loop.add(this);
        shard.sessionStarted();
        counters.increment(listener.stats() + ListenerCounters.ACTIVE);
        clientKey = client.channel().register(loop.selector(), interestOps, this);
    }

    /**
     * Take over a live client socket from a session of an older generation of the same listener (HTTP moves
     * between requests): no new session as far as counters go.
     *
     * @param key the client socket's key.
     */
    protected final void takeOver(final SelectionKey key)
    {
        loop.add(this);
        shard.sessionStarted();
        clientKey = key;
        key.attach(this);
    }

    /**
     * Leave this session's loop list and shard without ending it: a successor took the client socket over.
     */
    protected final void handedOver()
    {
        loop.remove(this);
        shard.sessionEnded();
    }

    /**
     * Account for the end: called exactly once by the subclass's teardown, after its sockets are closed.
     *
     * @param reason why.
     * @param side   whose doing.
     */
    protected final void ended(final CloseReason reason, final Side side)
    {
        loop.remove(this);
        shard.sessionEnded();
        client.releaseLimits();
        final int stats = listener.stats();
        counters.add(stats + ListenerCounters.ACTIVE, -1);
        counters.increment(stats + ListenerCounters.closed(reason.ordinal(), side.ordinal()));
        Histogram.SESSION_SECONDS.record(counters, stats + ListenerCounters.SESSION_DURATION, loop.nowNs() - startNs);
        listener.observer().onClosed(listener.name(), reason, side);
        // no FreedDescriptors here: both modes close their sockets after the loop's next select (closeSoon), which
        // tells waiting acceptors once the descriptors are really free
    }

    /**
     * @param nowNs the loop's clock.
     * @return this session as an operator sees it. Called on the loop's thread.
     */
    public abstract SessionInfo describe(long nowNs);

    /**
     * The one teardown, which does nothing when the session ended already: release the upstream, return buffers,
     * close both sockets, log, then call {@link #ended}. Every way a session ends comes here.
     *
     * @param reason why.
     * @param side   whose doing.
     */
    protected abstract void close(CloseReason reason, Side side);

    /**
     * End now by Vigil's decision (a reload's drain-timeout, a removed server). Loop thread only.
     *
     * @param reason why.
     */
    public final void end(final CloseReason reason)
    {
        close(reason, Side.PROXY);
    }

    @Override
    public final void shutdown()
    {
        close(CloseReason.SHUTDOWN, Side.PROXY);
    }

    /**
     * The relay this session runs ended ({@link Relay.Owner}, for the sessions that relay).
     *
     * @param reason why.
     * @param side   whose doing.
     */
    public final void onRelayEnded(final CloseReason reason, final Side side)
    {
        close(reason, side);
    }

    @Override
    public final void onPeerDown(final io.vigil.upstream.Peer down)
    {
        if (down.sameServer(upstreamPeer()))
        {
            close(CloseReason.SERVER_DOWN, Side.UPSTREAM);
        }
    }

    @Override
    public final void onFailure(final Exception failure)
    {
        if (failure == BufferUnavailable.INSTANCE)
        {
            // the buffer-memory cap: only this session ends (logged and counted by the budget)
            close(CloseReason.BUFFER_MEMORY, Side.PROXY);
            return;
        }
        if (!(failure instanceof IOException))
        {
            // a bug: say where, once per occurrence, and end only this session
            Log.error("listener " + listener.name() + ": " + kind + " failed", failure);
        }
        close(failure instanceof IOException ? CloseReason.of((IOException)failure, false) : CloseReason.ERROR,
            Side.PROXY);
    }

    @Override
    public void onTimer(final long timerId, final long nowNs)
    {
        // no timers of its own: the parts that need one (the upstream connect, liveness) have theirs
    }

    /**
     * @return the upstream socket in use now, or null (connecting, between HTTP requests).
     */
    public abstract java.nio.channels.SocketChannel upstreamChannel();

    /**
     * @return the upstream socket being connected now, or null: socket options can be changed on it already.
     */
    public abstract java.nio.channels.SocketChannel connectingUpstreamChannel();

    /**
     * @return the upstream server in use now, or null.
     */
    public abstract io.vigil.upstream.Peer upstreamPeer();

    /**
     * @return the group the upstream socket belongs to: the listener's, unless a route chose another.
     */
    public io.vigil.upstream.UpstreamGroup upstreamGroup()
    {
        return listener.upstream();
    }

    /**
     * @return the client socket.
     */
    public final java.nio.channels.SocketChannel clientChannel()
    {
        return client.channel();
    }

    /**
     * @return the client's address after the PROXY protocol (the header's, when the listener reads one; else the
     * socket's peer), or null when the socket was gone at accept. The same as {@link Downstream#address()}.
     */
    public final java.net.InetSocketAddress clientAddress()
    {
        return client.address();
    }

    /**
     * @return the listener this session belongs to now.
     */
    public final Listener listener()
    {
        return listener;
    }

    /**
     * @return the listener on this loop.
     */
    public final ListenerShard shard()
    {
        return shard;
    }
}
