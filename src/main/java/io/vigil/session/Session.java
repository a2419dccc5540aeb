package io.vigil.session;

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

    /**
     * @param shard  the listener on this loop.
     * @param client the accepted socket.
     */
    protected Session(final ListenerShard shard, final Downstream client)
    {
        this.shard = shard;
        this.loop = shard.loop();
        this.listener = shard.listener();
        this.client = client;
        this.counters = shard.counters();
        this.startNs = loop.nowNs();
        this.startEpochMs = System.currentTimeMillis();
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
        counters.increment(listener.stats() + ListenerCounters.ACTIVE);
        clientKey = client.channel().register(loop.selector(), interestOps, this);
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
        final int stats = listener.stats();
        counters.add(stats + ListenerCounters.ACTIVE, -1);
        counters.increment(stats + ListenerCounters.closed(reason.ordinal(), side.ordinal()));
        Histogram.SESSION_SECONDS.record(counters, stats + ListenerCounters.SESSION_DURATION, loop.nowNs() - startNs);
        listener.observer().onClosed(listener.name(), reason, side);
    }

    /**
     * @param nowNs the loop's clock.
     * @return this session as an operator sees it. Called on the loop's thread.
     */
    public abstract SessionInfo describe(long nowNs);

    /**
     * @return the listener on this loop.
     */
    public final ListenerShard shard()
    {
        return shard;
    }
}
