package io.vigil.runtime;

import io.vigil.config.ListenerConfig;
import io.vigil.config.SniRoutes;
import io.vigil.config.UpstreamConfig;
import io.vigil.config.VigilConfig;
import io.vigil.http.HttpConnection;
import io.vigil.loop.EventLoop;
import io.vigil.net.SocketTuning;
import io.vigil.proxyproto.ProxyHeaderWriter;
import io.vigil.proxyproto.ProxyProtocolPreface;
import io.vigil.session.ConnectionLimiter;
import io.vigil.session.Listener;
import io.vigil.session.ListenerShard;
import io.vigil.session.SessionObserver;
import io.vigil.session.SessionStarter;
import io.vigil.stats.StatsLayout;
import io.vigil.tcp.TcpSession;
import io.vigil.tls.ClientHelloScanner;
import io.vigil.upstream.HealthChecks;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.Resolver;
import io.vigil.upstream.UpstreamGroup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * One loaded configuration, as the loops run it: its upstream groups (with health checks and name
 * re-resolution), its listeners, and each listener's shard on every loop. A session keeps the generation it
 * started in for its whole life (its shard, listener and group belong to it), so several generations can live
 * side by side; which one new connections join is the server's choice. Built on the control thread; immutable
 * once built.
 */
final class Generation
{
    /** An HTTP head must fit one buffer, with room for the fields Vigil adds when forwarding it. */
    private static final int HTTP_HEAD_SLACK = 4096;

    private final long id;
    private final VigilConfig config;
    private final Map<String, UpstreamGroup> groups = new LinkedHashMap<>();
    private final Map<UpstreamGroup, HealthChecks> healthChecks = new LinkedHashMap<>();
    private final Map<String, Listener> listeners = new LinkedHashMap<>();
    private final Map<String, ListenerShard[]> shards = new LinkedHashMap<>();
    private volatile boolean retired;

    private Generation(final long id, final VigilConfig config)
    {
        this.id = id;
        this.config = config;
    }

    /**
     * Build a generation: groups, listeners and shards on every loop. Nothing runs yet.
     *
     * @param id        its number (1 for the configuration Vigil started with).
     * @param config    the validated configuration.
     * @param loops     every loop's context.
     * @param layout    where counters are allocated.
     * @param observer  session hooks.
     * @param failures  counter for socket options that fail at runtime.
     * @param onPeerDown told when a health check marks a server of a group down.
     * @param previous  the generation this one replaces, or null: its servers that stay keep their state.
     * @return the generation.
     * @throws IllegalStateException when an option is unsupported on this JDK/OS.
     */
    static Generation build(
        final long id,
        final VigilConfig config,
        final LoopContext[] loops,
        final StatsLayout layout,
        final SessionObserver observer,
        final AtomicLong failures,
        final BiConsumer<UpstreamGroup, Peer> onPeerDown,
        final Generation previous)
    {
        final Generation generation = new Generation(id, config);
        final EventLoop[] eventLoops = new EventLoop[loops.length];
        for (int i = 0; i < loops.length; i++)
        {
            eventLoops[i] = loops[i].loop();
        }
        for (final UpstreamConfig upstream : config.upstreams().values())
        {
            final UpstreamGroup group = new UpstreamGroup(upstream, true, failures, layout,
                previous == null ? null : previous.groups.get(upstream.name()));
            group.tuning().verifySupported();
            generation.groups.put(upstream.name(), group);
            generation.healthChecks.put(group, new HealthChecks(group, eventLoops, peer -> onPeerDown.accept(group,
                peer)));
        }
        for (final ListenerConfig listenerConfig : config.listeners())
        {
            final UpstreamGroup group = generation.groups.get(listenerConfig.upstream());
            final SocketTuning tuning = new SocketTuning("listener " + listenerConfig.name(),
                listenerConfig.soKeepalive(), listenerConfig.tcpNodelay(), failures);
            tuning.verifySupported();
            final Listener listener = new Listener(listenerConfig, id, group, tuning, observer,
                layout.block(StatsLayout.Kind.LISTENER, listenerConfig.name()).base(),
                limiter(previous, listenerConfig, loops.length));
            generation.listeners.put(listenerConfig.name(), listener);
            final boolean http = listenerConfig.mode() == ListenerConfig.Mode.HTTP;
            final int bufferSize = http ?
                Math.max(listenerConfig.bufferSize(), listenerConfig.http().maxHeaderSize() + HTTP_HEAD_SLACK) :
                Math.max(listenerConfig.bufferSize(), prefaceBytes(listenerConfig));
            final SessionStarter modeStarter = http ? HttpConnection::startOn : TcpSession::startOn;
            // the PROXY header comes before admission: connection limits count the client it names
            final SessionStarter preface = listenerConfig.proxyProtocol().enabled() ?
                new ProxyProtocolPreface((shard, client) -> shard.admit(client)) : null;
            final ListenerShard[] perLoop = new ListenerShard[loops.length];
            for (int i = 0; i < loops.length; i++)
            {
                final LoopContext loop = loops[i];
                perLoop[i] = new ListenerShard(loop.loop(), listener, loop.picker(group), loop.buffers(bufferSize),
                    loop.logLine(), http ? loop.pool(group) : null, loop.loop().counters(), modeStarter);
                perLoop[i].preface(preface);
                perLoop[i].joinNewest(loop.newestShard(listenerConfig.name()));
                if (listenerConfig.routes() != null)
                {
                    perLoop[i].routePickers(routePickers(generation, loop, listenerConfig.routes()));
                }
            }
            for (final ListenerShard shard : perLoop)
            {
                shard.siblings(perLoop);
            }
            generation.shards.put(listenerConfig.name(), perLoop);
        }
        return generation;
    }

    /** The same listener's limiter from the generation before (its open connections still count), else new. */
    private static ConnectionLimiter limiter(final Generation previous, final ListenerConfig config, final int loops)
    {
        final Listener before = previous == null ? null : previous.listeners.get(config.name());
        return before == null ? new ConnectionLimiter(loops) : before.limiter();
    }

    /** A tcp listener that reads before it connects needs its preface in one buffer. */
    private static int prefaceBytes(final ListenerConfig listener)
    {
        // room for the ClientHello read before the upstream is chosen, and a PROXY header sent ahead of it
        return listener.routes() != null ? ClientHelloScanner.DEFAULT_MAX_BYTES + ProxyHeaderWriter.MAX_LENGTH : 0;
    }

    private static PeerPicker[] routePickers(final Generation generation, final LoopContext loop,
        final SniRoutes routes)
    {
        final PeerPicker[] pickers = new PeerPicker[routes.upstreams().size()];
        for (int r = 0; r < pickers.length; r++)
        {
            pickers[r] = loop.picker(generation.groups.get(routes.upstreams().get(r)));
        }
        return pickers;
    }

    /**
     * Start health checks and name re-resolution.
     *
     * @param resolver the server's resolver thread.
     */
    void start(final Resolver resolver)
    {
        for (final Map.Entry<UpstreamGroup, HealthChecks> entry : healthChecks.entrySet())
        {
            entry.getValue().start();
            resolver.watch(entry.getKey(), entry.getValue());
        }
    }

    /**
     * Make this generation's shards the newest of their listener names on every loop (kept-alive HTTP connections
     * of older generations move to them at their next request); names it no longer has point nowhere.
     *
     * @param loops every loop's context.
     */
    void publish(final LoopContext[] loops)
    {
        for (int i = 0; i < loops.length; i++)
        {
            for (final String name : List.copyOf(loops[i].publishedListeners()))
            {
                if (!shards.containsKey(name))
                {
                    loops[i].forgetNewestShard(name);
                }
            }
            for (final Map.Entry<String, ListenerShard[]> entry : shards.entrySet())
            {
                loops[i].newestShard(entry.getKey()).set(entry.getValue()[i]);
            }
        }
    }

    /**
     * How often each loop must sweep its sessions for this generation's timeouts: a quarter of the shortest
     * timeout, at most a second.
     *
     * @return the interval.
     */
    long sweepIntervalNs()
    {
        long shortest = TimeUnit.SECONDS.toNanos(1) * 4;
        for (final Listener listener : listeners.values())
        {
            shortest = Math.min(shortest, shortestTimeoutNs(listener));
        }
        return Math.max(1, shortest / 4);
    }

    private static long shortestTimeoutNs(final Listener listener)
    {
        long shortest = shortestTimeoutNs(listener.config(), listener.upstream().config());
        // the write-stall fallback for user-timeout is checked by the sweep too, at an eighth of the timeout
        if (listener.clientUserTimeoutNs() > 0)
        {
            shortest = Math.min(shortest, listener.clientUserTimeoutNs() / 2);
        }
        if (listener.upstreamUserTimeoutNs() > 0)
        {
            shortest = Math.min(shortest, listener.upstreamUserTimeoutNs() / 2);
        }
        return shortest;
    }

    private static long shortestTimeoutNs(final ListenerConfig listener, final UpstreamConfig upstream)
    {
        long shortest = listener.proxyTimeoutNs();
        if (listener.mode() == ListenerConfig.Mode.HTTP)
        {
            final var http = listener.http();
            shortest = Math.min(shortest, Math.min(http.clientHeaderTimeoutNs(), http.clientBodyTimeoutNs()));
            shortest = Math.min(shortest, http.sendTimeoutNs());
            if (http.keepaliveTimeoutNs() > 0)
            {
                shortest = Math.min(shortest, http.keepaliveTimeoutNs());
            }
            shortest = Math.min(shortest, Math.min(upstream.http().readTimeoutNs(), upstream.http().sendTimeoutNs()));
        }
        return shortest;
    }

    /**
     * A newer generation took over: stop this one's health checks and name resolution (the new one runs its own
     * over the same servers' state), and retire this generation's upstream connection pools (idle
     * connections close now, busy ones when given back). Its sessions run on.
     *
     * @param loops    every loop's context.
     * @param resolver the resolver thread.
     */
    void retire(final LoopContext[] loops, final Resolver resolver)
    {
        retired = true;
        for (final Map.Entry<UpstreamGroup, HealthChecks> entry : healthChecks.entrySet())
        {
            entry.getValue().stop();
            resolver.unwatch(entry.getKey());
        }
        for (final LoopContext loop : loops)
        {
            final List<UpstreamGroup> mine = new ArrayList<>(groups.values());
            loop.loop().executeControl(() -> loop.retire(mine));
        }
    }

    /**
     * @return sessions of this generation still open, all loops; safe from any thread.
     */
    int sessions()
    {
        int open = 0;
        for (final ListenerShard[] perLoop : shards.values())
        {
            for (final ListenerShard shard : perLoop)
            {
                open += shard.sessions();
            }
        }
        return open;
    }

    /**
     * @return true once a newer generation took over.
     */
    boolean retired()
    {
        return retired;
    }

    /**
     * Its last session ended: forget its per-loop state (balancer state and pools of its groups), so nothing of
     * it stays reachable.
     *
     * @param loops every loop's context.
     */
    void release(final LoopContext[] loops)
    {
        for (final LoopContext loop : loops)
        {
            final List<UpstreamGroup> mine = new ArrayList<>(groups.values());
            loop.loop().executeControl(() -> loop.forget(mine));
        }
    }

    /**
     * A reload was refused after this generation was built: drop what its building left in the loops (balancer
     * state, pools, publication slots of listener names no generation runs).
     *
     * @param loops every loop's context.
     */
    void discard(final LoopContext[] loops)
    {
        final List<UpstreamGroup> mine = new ArrayList<>(groups.values());
        for (final LoopContext loop : loops)
        {
            loop.forget(mine); // from this thread: no loop ever saw these groups (no acceptor targets their shards)
            for (final String name : shards.keySet())
            {
                if (loop.newestShard(name).get() == null)
                {
                    loop.forgetNewestShard(name);
                }
            }
        }
    }

    /**
     * @param block a counter block.
     * @return whether this generation counts into it.
     */
    boolean uses(final StatsLayout.Block block)
    {
        final List<String> labels = block.labels();
        switch (block.kind())
        {
            case LISTENER:
                return listeners.containsKey(labels.get(0));
            case UPSTREAM:
                return groups.containsKey(labels.get(0));
            case SERVER:
                final UpstreamGroup group = groups.get(labels.get(0));
                return group != null && group.serverLabels().contains(labels.get(1));
            default:
                return true;
        }
    }

    long id()
    {
        return id;
    }

    VigilConfig config()
    {
        return config;
    }

    Map<String, UpstreamGroup> groups()
    {
        return Collections.unmodifiableMap(groups);
    }

    Map<String, Listener> listeners()
    {
        return Collections.unmodifiableMap(listeners);
    }

    /**
     * @param listener a listener's name.
     * @return its shard on every loop, by loop index.
     */
    ListenerShard[] shards(final String listener)
    {
        return shards.get(listener);
    }
}
