package io.vigil.session;

import io.vigil.log.LogLine;
import io.vigil.loop.BufferPool;
import io.vigil.loop.EventLoop;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.RejectReason;
import io.vigil.stats.LoopCounters;
import io.vigil.upstream.ConnectionPool;
import io.vigil.upstream.PeerPicker;

import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A listener's presence on one loop: everything a session started there needs (balancer state, buffers,
 * upstream connection pool, counters, log line), all owned by that loop. Accepted sockets handed to a shard
 * become sessions on its loop.
 */
public final class ListenerShard
{
    private final EventLoop loop;
    private final Listener listener;
    private final PeerPicker picker;
    private final BufferPool buffers;
    /** Buffers a session borrows at most at once in tcp mode (one per direction): the room a new one needs. */
    private static final int BUFFERS_PER_SESSION = 2;
    private final LogLine logLine;
    private final ConnectionPool pool;
    private final LoopCounters counters;
    private final SessionStarter starter;
    /** What runs before admission when the client's address comes from the stream (PROXY protocol), or null. */
    private SessionStarter preface;
    /** The loop's balancer state for each route's group, by route (SNI routing), or null. */
    private PeerPicker[] routePickers;
    /** Sessions of this shard open now: written by its loop only, read by the control thread (opaque). */
    private volatile int sessions;
    /**
     * Where the newest shard of this listener's name on this loop is published, shared by all its generations;
     * null until joined. Not a chain from shard to shard: one old session must not keep every later generation.
     */
    private volatile AtomicReference<ListenerShard> newest;
    /** This listener's shards on every loop, by loop index (set once the generation is built). */
    private ListenerShard[] siblings;

    /**
     * @param loop     the owning loop.
     * @param listener the listener.
     * @param picker   the loop's balancer state for the listener's upstream.
     * @param buffers  the loop's pool for the listener's buffer size.
     * @param logLine  the loop's access-log formatter.
     * @param pool     the loop's idle upstream connections for the listener's upstream (HTTP mode), or null.
     * @param counters the loop's counters.
     * @param starter  what a session on this listener is (tcp relay or HTTP).
     */
    public ListenerShard(
        final EventLoop loop,
        final Listener listener,
        final PeerPicker picker,
        final BufferPool buffers,
        final LogLine logLine,
        final ConnectionPool pool,
        final LoopCounters counters,
        final SessionStarter starter)
    {
        this.loop = loop;
        this.listener = listener;
        this.picker = picker;
        this.buffers = buffers;
        this.logLine = logLine;
        this.pool = pool;
        this.counters = counters;
        this.starter = starter;
    }

    /**
     * Set once, before the shard is published to its loop.
     *
     * @param pickers the loop's balancer state for each route's upstream group, by route index.
     */
    public void routePickers(final PeerPicker[] pickers)
    {
        this.routePickers = pickers;
    }

    /**
     * @param route a route index of the listener's {@link io.vigil.config.SniRoutes}.
     * @return the loop's balancer state for that route's group.
     */
    public PeerPicker routePicker(final int route)
    {
        return routePickers[route];
    }

    /**
     * Start a session for an accepted, tuned, non-blocking socket. Called on this shard's loop thread.
     *
     * @param channel the accepted socket.
     */
    public void onAccepted(final SocketChannel channel)
    {
        final Downstream client = new Downstream(channel);
        if (preface != null)
        {
            preface.start(this, client); // it admits the client once it knows the client's real address
        }
        else
        {
            admit(client);
        }
    }

    /**
     * @param first a step that must run before admission (it learns the client's address, e.g. from a PROXY
     *              header) and then calls {@link #admit}. Set while the generation is built.
     */
    public void preface(final SessionStarter first)
    {
        this.preface = first;
    }

    /**
     * Apply the listener's connection limits, then start a session or close the socket at once. With a
     * per-client limit the connection first moves to its client's home loop, which counts that client. Called on
     * this shard's loop thread.
     *
     * @param client the accepted socket and its client's address.
     */
    public void admit(final Downstream client)
    {
        final ConnectionLimiter limiter = listener.limiter();
        if (limiter.routesByClient(listener.config().limits()) && siblings != null)
        {
            final ListenerShard home =
                siblings[ConnectionLimiter.homeLoop(ConnectionLimiter.clientAddress(client), siblings.length)];
            if (home != this)
            {
                // a preface step may have registered the socket here: the home loop registers it with its own
                final java.nio.channels.SelectionKey registered = client.channel().keyFor(loop.selector());
                if (registered != null)
                {
                    registered.cancel();
                }
                if (!home.loop.execute(() -> home.admit(client)))
                {
                    reject(client, RejectReason.OVERLOADED);
                }
                return;
            }
        }
        if (!buffers.canLend(BUFFERS_PER_SESSION))
        {
            // the room may be held idle by this loop's other pools (freed now) or other loops' (freed soon)
            buffers.budget().shedIdle(loop);
        }
        if (!buffers.canLend(BUFFERS_PER_SESSION))
        {
            // refused whole rather than started and starved: the sessions running keep the buffers they need
            buffers.budget().rejectedConnection(listener.name());
            reject(client, RejectReason.BUFFER_MEMORY);
            return;
        }
        final RejectReason refused = limiter.admit(client, loop.index(), listener.config().limits());
        if (refused != null)
        {
            reject(client, refused);
            return;
        }
        counters.increment(listener.stats() + ListenerCounters.ACCEPTED);
        starter.start(this, client);
    }

    private void reject(final Downstream client, final RejectReason reason)
    {
        onRejected(reason.ordinal());
        // a preface may have registered it: closeSoon frees the descriptor (and tells paused acceptors) for real
        loop.closeSoon(client.channel());
    }

    /**
     * @param all this listener's shards on every loop of the same generation, by loop index.
     */
    public void siblings(final ListenerShard[] all)
    {
        this.siblings = all;
    }

    /**
     * A session of this shard started (or moved here from an older generation). Loop thread only.
     */
    public void sessionStarted()
    {
        sessions = sessions + 1;
    }

    /**
     * A session of this shard ended (or moved to a newer generation). Loop thread only.
     */
    public void sessionEnded()
    {
        sessions = sessions - 1;
    }

    /**
     * @return sessions of this shard open now; safe from any thread.
     */
    public int sessions()
    {
        return sessions;
    }

    /**
     * @param slot where the newest shard of this listener's name on this loop is published.
     */
    public void joinNewest(final AtomicReference<ListenerShard> slot)
    {
        this.newest = slot;
    }

    /**
     * @return the newest shard of this listener's name on this loop (a reload's), or this one when there is none
     *         or the listener was removed.
     */
    public ListenerShard latest()
    {
        final AtomicReference<ListenerShard> slot = newest;
        final ListenerShard latest = slot == null ? null : slot.get();
        return latest == null ? this : latest;
    }

    /**
     * An accepted socket was closed at once: count why.
     *
     * @param reason the reject reason's ordinal.
     */
    public void onRejected(final int reason)
    {
        counters.increment(listener.stats() + ListenerCounters.REJECTED + reason);
    }

    /**
     * @return the owning loop.
     */
    public EventLoop loop()
    {
        return loop;
    }

    /**
     * @return the listener.
     */
    public Listener listener()
    {
        return listener;
    }

    /**
     * @return the loop's balancer state for the listener's upstream.
     */
    public PeerPicker picker()
    {
        return picker;
    }

    /**
     * @return the loop's buffers for this listener.
     */
    public BufferPool buffers()
    {
        return buffers;
    }

    /**
     * @return the loop's access-log formatter.
     */
    public LogLine logLine()
    {
        return logLine;
    }

    /**
     * @return the loop's idle upstream connections (HTTP mode), or null.
     */
    public ConnectionPool pool()
    {
        return pool;
    }

    /**
     * @return the loop's counters.
     */
    public LoopCounters counters()
    {
        return counters;
    }
}
