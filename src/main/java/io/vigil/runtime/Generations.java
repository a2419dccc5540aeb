package io.vigil.runtime;

import io.vigil.config.ListenerConfig;
import io.vigil.config.UpstreamConfig;
import io.vigil.config.VigilConfig;
import io.vigil.log.Log;
import io.vigil.loop.EventLoop;
import io.vigil.session.CloseReason;
import io.vigil.session.Session;
import io.vigil.session.SessionObserver;
import io.vigil.stats.StatsLayout;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerState;
import io.vigil.upstream.Resolver;
import io.vigil.upstream.UpstreamGroup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The configuration generations of a running server: the current one (which new connections join), those a
 * reload replaced but whose sessions still run ({@link Retirement}), and the listening sockets they share
 * ({@link ListenerSockets}). {@link #reload} is the one place a configuration changes at runtime.
 */
final class Generations implements AutoCloseable
{
    private static final long LOOP_WAIT_MS = 1000;

    private final LoopContext[] contexts;
    private final EventLoop[] loops;
    private final StatsLayout layout;
    private final SessionObserver observer;
    private final AtomicLong socketOptionFailures;
    private final BiConsumer<UpstreamGroup, Peer> onPeerDown;
    private final Resolver resolver;
    private final ListenerSockets sockets;
    private final Retirement retirement;
    private final AtomicLong reloadSuccesses = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private final AtomicLong retunedSockets = new AtomicLong();
    private volatile long lastReloadSuccessMs;
    private volatile Generation current;

    Generations(
        final LoopContext[] contexts,
        final StatsLayout layout,
        final SessionObserver observer,
        final AtomicLong socketOptionFailures,
        final BiConsumer<UpstreamGroup, Peer> onPeerDown,
        final Resolver resolver)
    {
        this.contexts = contexts;
        this.loops = new EventLoop[contexts.length];
        for (int i = 0; i < contexts.length; i++)
        {
            loops[i] = contexts[i].loop();
        }
        this.layout = layout;
        this.observer = observer;
        this.socketOptionFailures = socketOptionFailures;
        this.onPeerDown = onPeerDown;
        this.resolver = resolver;
        this.sockets = new ListenerSockets(loops);
        this.retirement = new Retirement(contexts, this::freeUnusedCounters);
    }

    /**
     * Build the first generation and bind its listeners, before any loop runs.
     *
     * @param config the configuration Vigil starts with.
     * @throws IllegalStateException when an option is unsupported or a listener cannot bind.
     */
    void first(final VigilConfig config)
    {
        final Generation first = Generation.build(1, config, contexts, layout, observer, socketOptionFailures,
            onPeerDown, null);
        current = first;
        first.publish(contexts);
        lastReloadSuccessMs = System.currentTimeMillis(); // the start counts as a load, as in Prometheus
        for (final ListenerConfig listener : config.listeners())
        {
            sockets.bind(listener, first.shards(listener.name()), false);
        }
        for (final EventLoop loop : loops)
        {
            loop.sweepEvery(first.sweepIntervalNs());
        }
    }

    /**
     * Start the current generation's health checks and name re-resolution.
     */
    void startFirst()
    {
        current.start(resolver);
    }

    /**
     * Switch new connections to another configuration; see {@link VigilServer#reload}.
     *
     * @param next a validated configuration.
     * @return what changed.
     * @throws IllegalStateException when it cannot be applied; the running configuration stays.
     */
    synchronized Reloaded reload(final VigilConfig next)
    {
        try
        {
            final Reloaded result = apply(next);
            reloadSuccesses.incrementAndGet();
            lastReloadSuccessMs = System.currentTimeMillis();
            return result;
        }
        catch (final RuntimeException ex)
        {
            reloadFailures.incrementAndGet();
            throw ex;
        }
    }

    private Reloaded apply(final VigilConfig next)
    {
        final Generation previous = current;
        if (next.eventLoops() != previous.config().eventLoops())
        {
            throw new IllegalStateException("event-loops cannot change on reload (" +
                previous.config().eventLoops() + " -> " + next.eventLoops() + "); restart Vigil for that");
        }
        final Generation built = Generation.build(previous.id() + 1, next, contexts, layout, observer,
            socketOptionFailures, onPeerDown, previous);
        final List<String> added;
        try
        {
            added = bindNew(next, built);
        }
        catch (final RuntimeException ex)
        {
            built.discard(contexts); // nothing of a refused configuration stays behind
            freeUnusedCounters();
            throw ex;
        }
        // from here on nothing fails: switch
        current = built;
        built.publish(contexts);
        final List<String> kept = new ArrayList<>();
        final List<String> removed = new ArrayList<>();
        for (final ListenerSockets.Bound bound : sockets.all())
        {
            final ListenerConfig now = next.listeners().stream()
                .filter(l -> ListenerSockets.key(l).equals(bound.key)).findFirst().orElse(null);
            if (now == null)
            {
                sockets.retire(bound);
                removed.add(bound.config.name());
            }
            else if (!added.contains(now.name()))
            {
                sockets.retarget(bound, now, built.shards(now.name()));
                kept.add(now.name());
            }
        }
        final long sweepNs = built.sweepIntervalNs();
        for (final EventLoop loop : loops)
        {
            loop.executeControl(() -> loop.sweepEvery(sweepNs));
        }
        built.start(resolver);
        previous.retire(contexts, resolver);
        retirement.add(previous);
        closeRemovedServers(previous, built);
        final long retuned = KeepAliveRetune.apply(previous.config(), next, built, loops, retunedSockets);
        awaitLoops();
        return new Reloaded(built.id(), added, kept, removed, retuned);
    }

    /**
     * Wait until every loop has run the commands queued so far (each queue is FIFO): when reload returns, every
     * acceptor hands to the new generation. A busy loop gets a second; it applies them soon after anyway.
     */
    private void awaitLoops()
    {
        final CompletableFuture<?>[] done = new CompletableFuture<?>[loops.length];
        for (int i = 0; i < loops.length; i++)
        {
            final CompletableFuture<Void> ran = new CompletableFuture<>();
            done[i] = ran;
            loops[i].executeControl(() -> ran.complete(null));
        }
        try
        {
            CompletableFuture.allOf(done).get(LOOP_WAIT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            Log.warn("reload: a loop has not yet switched to generation " + current.id() + " after " + LOOP_WAIT_MS +
                " ms; it will when it gets to it");
        }
    }

    /**
     * Free the counter blocks no live generation uses (servers and listeners that reloads removed, once their last
     * session ended): their series leave the metrics, and each loop zeroes their slots before they are reused.
     * Under this object's lock, so that no reload builds a generation (and looks blocks up) meanwhile.
     */
    synchronized void freeUnusedCounters()
    {
        final List<Generation> live = new ArrayList<>(retirement.live());
        live.add(current);
        final List<StatsLayout.Block> freed = layout.free(block -> live.stream().anyMatch(g -> g.uses(block)));
        for (final StatsLayout.Block block : freed)
        {
            final java.util.concurrent.atomic.AtomicInteger zeroed = new java.util.concurrent.atomic.AtomicInteger();
            for (final EventLoop loop : loops)
            {
                loop.executeControl(() ->
                {
                    loop.counters().clear(block.base(), block.kind().size());
                    if (zeroed.incrementAndGet() == loops.length)
                    {
                        layout.recycle(block);
                    }
                });
            }
        }
    }

    /** Bind the listeners whose address is new; a failure closes those bound so far and changes nothing. */
    private List<String> bindNew(final VigilConfig next, final Generation built)
    {
        final List<ListenerSockets.Bound> bound = new ArrayList<>();
        final List<String> added = new ArrayList<>();
        try
        {
            for (final ListenerConfig listener : next.listeners())
            {
                if (sockets.find(listener) == null)
                {
                    bound.add(sockets.bind(listener, built.shards(listener.name()), true));
                    added.add(listener.name());
                }
            }
            return added;
        }
        catch (final RuntimeException ex)
        {
            bound.forEach(sockets::retire);
            throw ex;
        }
    }

    /** on-server-removed = close-sessions: sessions to a server the new configuration dropped end now. */
    private void closeRemovedServers(final Generation previous, final Generation next)
    {
        // by shared state, not Peer object: sessions of still older generations hold their own Peer objects
        final Set<PeerState> gone = Collections.newSetFromMap(new IdentityHashMap<>());
        for (final UpstreamGroup now : next.groups().values())
        {
            final UpstreamGroup before = previous.groups().get(now.name());
            if (before == null || now.config().onServerRemoved() != UpstreamConfig.OnServerRemoved.CLOSE_SESSIONS)
            {
                continue;
            }
            for (final Peer peer : before.peers())
            {
                if (Arrays.stream(now.peers()).noneMatch(p -> p.state() == peer.state()))
                {
                    gone.add(peer.state());
                }
            }
        }
        if (gone.isEmpty())
        {
            return;
        }
        for (final EventLoop loop : loops)
        {
            loop.executeControl(() -> loop.forEachSession(session ->
            {
                final Peer peer = session instanceof Session ? ((Session)session).upstreamPeer() : null;
                if (peer != null && gone.contains(peer.state()))
                {
                    ((Session)session).end(CloseReason.RELOAD);
                }
            }));
        }
    }

    Generation current()
    {
        return current;
    }

    ListenerSockets sockets()
    {
        return sockets;
    }

    /**
     * Count a reload that failed before it reached the server (the file did not load).
     */
    void reloadFailed()
    {
        reloadFailures.incrementAndGet();
    }

    long reloadSuccesses()
    {
        return reloadSuccesses.get();
    }

    long reloadFailures()
    {
        return reloadFailures.get();
    }

    long lastReloadSuccessMs()
    {
        return lastReloadSuccessMs;
    }

    long retunedSockets()
    {
        return retunedSockets.get();
    }

    /**
     * @return the current generation plus those still serving sessions.
     */
    int live()
    {
        return 1 + retirement.size();
    }

    @Override
    public void close()
    {
        retirement.close();
    }
}
