package io.vigil.runtime;

import io.vigil.config.ListenerConfig;
import io.vigil.config.VigilConfig;
import io.vigil.log.AccessLog;
import io.vigil.log.Log;
import io.vigil.loop.BufferBudget;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopStalledException;
import io.vigil.session.SessionInfo;
import io.vigil.session.SessionObserver;
import io.vigil.stats.StatsLayout;
import io.vigil.stats.StatsSnapshot;
import io.vigil.upstream.Peer;
import io.vigil.upstream.Resolver;
import io.vigil.upstream.UpstreamGroup;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running Vigil: event loops, the configuration generation new connections join, bound listeners, counters
 * and the access log. {@link #start} binds every listener before any loop runs, so a bad address fails startup
 * as a whole. {@link #shutdown()} stops accepting, lets sessions finish for the grace period, then closes the
 * rest, and never waits much longer than that, whatever a loop does. Live figures ({@link #stats()}) and the
 * live session list ({@link #sessions}) can be read from any thread while it runs.
 */
public final class VigilServer implements AutoCloseable
{
    private static final int COMMAND_CAPACITY = 16 * 1024;

    /**
     * Loaded before any loop runs: a class first needed on a failure path (EMFILE, a stuck loop) may not be
     * loadable then, when running from a class directory (every class file needs a descriptor).
     */
    private static final Class<?>[] FAILURE_PATH_CLASSES = {Log.class, Log.Level.class, LoopStalledException.class};

    private final VigilConfig config;
    private final EventLoop[] loops;
    private final LoopContext[] contexts;
    private final StatsLayout layout = new StatsLayout();
    private final Resolver resolver = new Resolver();
    private final AtomicLong socketOptionFailures = new AtomicLong();
    private final BufferBudget bufferBudget;
    private final Generations generations;
    private final AccessLog accessLog;
    private final SessionObserver observer;
    private final ReadOut readOut;
    private final LoopRunners runners;
    private final LoopStop stop;
    private volatile boolean shuttingDown;
    private volatile boolean draining;
    private volatile boolean cutShort;

    private VigilServer(final VigilConfig config, final SessionObserver observer, final OutputStream accessLogOut)
    {
        this.config = config;
        this.observer = observer;
        this.accessLog = new AccessLog(accessLogOut);
        this.loops = new EventLoop[config.eventLoops()];
        this.contexts = new LoopContext[loops.length];
        this.bufferBudget = new BufferBudget(BufferBudget.capFor(config.maxBufferMemory()));
        for (int i = 0; i < loops.length; i++)
        {
            loops[i] = new EventLoop(i, COMMAND_CAPACITY);
            contexts[i] = new LoopContext(loops[i], accessLog, bufferBudget);
            contexts[i].trimBuffersPeriodically();
        }
        this.readOut = new ReadOut(loops, layout);
        this.runners = new LoopRunners(loops);
        this.generations = new Generations(contexts, layout, observer, socketOptionFailures,
            new CloseSessionsOnDown(contexts), resolver);
        this.stop = new LoopStop(contexts, generations.sockets());
    }

    /**
     * Build, bind and start.
     *
     * @param config       a validated configuration.
     * @param observer     session hooks ({@link SessionObserver#NONE} in production).
     * @param accessLogOut where access-log lines go.
     * @return the running server.
     * @throws IllegalStateException when an option is unsupported or a listener cannot bind; nothing is left open.
     */
    public static VigilServer start(
        final VigilConfig config, final SessionObserver observer, final OutputStream accessLogOut)
    {
        final VigilServer server = new VigilServer(config, observer, accessLogOut);
        try
        {
            server.generations.first(config);
        }
        catch (final RuntimeException ex)
        {
            server.close();
            throw ex;
        }
        server.generations.startFirst();
        server.runners.start(config.loopStallTimeoutNs(), config.idle());
        return server;
    }

    /**
     * @param action run (once, on the reporting thread) when a loop dies of an Error or is found stuck.
     */
    public void onFatal(final Runnable action)
    {
        runners.onFatal(action);
    }

    /**
     * @return what killed or stalled a loop, or null while all loops run.
     */
    public Throwable fatal()
    {
        return runners.fatal();
    }

    /**
     * @return true while every loop is alive and none is stuck (liveness).
     */
    public boolean live()
    {
        return runners.fatal() == null;
    }

    /**
     * @return true while the listeners are bound and Vigil is not draining (readiness).
     */
    public boolean ready()
    {
        return !draining && !shuttingDown;
    }

    /**
     * Announce the stop: readiness fails from now on, listeners still accept (Kubernetes removes the endpoint
     * first). Safe from any thread.
     */
    public void beginDrain()
    {
        draining = true;
    }

    /**
     * @return the configuration new connections join.
     */
    public VigilConfig currentConfig()
    {
        return generations.current().config();
    }

    /**
     * @return the upstream groups new connections go to, by name (live objects: servers' state).
     */
    public Map<String, UpstreamGroup> upstreams()
    {
        return generations.current().groups();
    }

    /**
     * @return socket options that failed at runtime.
     */
    public long socketOptionFailures()
    {
        return socketOptionFailures.get();
    }

    /**
     * @return the loops' shared cap on buffer memory, with its live figures.
     */
    public BufferBudget bufferBudget()
    {
        return bufferBudget;
    }

    /**
     * @return access-log lines dropped because the ring was full.
     */
    public long accessLogDropped()
    {
        return accessLog.dropped();
    }

    /**
     * @param listener a listener's name.
     * @return the address it is bound to (with the real port when 0 was configured).
     */
    public InetSocketAddress boundAddress(final String listener)
    {
        final ListenerConfig config = generations.current().config().listeners().stream()
            .filter(l -> l.name().equals(listener)).findFirst().orElse(null);
        final ListenerSockets.Bound bound = config == null ? null : generations.sockets().find(config);
        return bound == null ? null : bound.address;
    }

    /**
     * @param upstream an upstream's name.
     * @return its current peers (live objects: health and session counts), or null when there is none.
     */
    public Peer[] peers(final String upstream)
    {
        final UpstreamGroup group = generations.current().groups().get(upstream);
        return group == null ? null : group.peers();
    }

    /**
     * @return the number of the configuration generation new connections join.
     */
    public long generation()
    {
        return generations.current().id();
    }

    /**
     * Every counter summed over the loops, now, while they run. Safe from any thread; no lock.
     *
     * @return the snapshot.
     */
    public StatsSnapshot stats()
    {
        return readOut.stats();
    }

    /**
     * Ask every loop (through its command queue) to describe its live sessions, and wait for the answers.
     *
     * @param timeoutMs how long to wait for all loops; a loop that does not answer in time is left out.
     * @return the sessions, loop by loop.
     */
    public List<SessionInfo> sessions(final long timeoutMs)
    {
        return readOut.sessions(timeoutMs);
    }

    /**
     * Totals for the operator's stop line.
     *
     * @return e.g. {@code sessions=12 accept_failures=0 ...}.
     */
    public String totals()
    {
        return readOut.totals(socketOptionFailures.get(), accessLog.dropped());
    }

    /**
     * @return the configuration this server started with.
     */
    public VigilConfig config()
    {
        return config;
    }

    /**
     * Run another configuration from now on, without dropping a connection: it becomes a new generation. A
     * listener whose address is unchanged keeps its socket; new listeners are bound; removed ones take what waits
     * in their backlog and close. New sessions use the new upstream groups; a server that stays keeps its state.
     * Sessions already open keep their generation (HTTP keep-alive connections move at their next request) until
     * they end or their listener's drain-timeout. A changed so-keepalive is applied to the sockets already open.
     * Nothing is half-applied: a failure (an option this JDK lacks, an address that cannot be bound) leaves the
     * running configuration as it was. Safe from any thread; reloads run one at a time.
     *
     * @param next a validated configuration.
     * @return what changed.
     * @throws IllegalStateException when it cannot be applied; the running configuration stays.
     */
    public Reloaded reload(final VigilConfig next)
    {
        synchronized (generations)
        {
            // a reload that binds a listener while shutdown closes them would leave that one open
            if (shuttingDown)
            {
                generations.reloadFailed();
                throw new IllegalStateException("Vigil is stopping");
            }
            return generations.reload(next);
        }
    }

    /**
     * Count a reload that failed before it reached the server (the file did not load).
     */
    public void reloadFailed()
    {
        generations.reloadFailed();
    }

    /**
     * @return reloads applied.
     */
    public long reloadSuccesses()
    {
        return generations.reloadSuccesses();
    }

    /**
     * @return reloads refused (the file did not load, or the configuration could not be applied).
     */
    public long reloadFailures()
    {
        return generations.reloadFailures();
    }

    /**
     * @return when the last reload succeeded (ms since the epoch), 0 when none did.
     */
    public long lastReloadSuccessMs()
    {
        return generations.lastReloadSuccessMs();
    }

    /**
     * @return open sockets re-tuned by reloads that changed a so-keepalive.
     */
    public long retunedSockets()
    {
        return generations.retunedSockets();
    }

    /**
     * @return configuration generations alive: the current one and those still serving sessions.
     */
    public int liveGenerations()
    {
        return generations.live();
    }

    /**
     * A second SIGTERM during the drain: close every session now instead of waiting for the grace period.
     * Safe from any thread.
     */
    public void cutShort()
    {
        cutShort = true;
        stop.cutShort();
    }

    /**
     * Graceful stop: close listening sockets, let sessions finish for up to shutdown-timeout, close the rest,
     * stop the loops and flush the access log. Safe from any thread; returns when done, at the latest a few
     * seconds after shutdown-timeout even when a loop is stuck.
     *
     * @return true when every loop drained in time.
     */
    public boolean shutdown()
    {
        if (shuttingDown)
        {
            return true;
        }
        draining = true;
        synchronized (generations)
        {
            shuttingDown = true;
        }
        final boolean inTime = stop.drain(cutShort ? 0 : generations.current().config().shutdownTimeoutNs());
        close();
        return inTime;
    }

    /**
     * Stop immediately: loops close their sessions and listening sockets.
     */
    @Override
    public void close()
    {
        shuttingDown = true;
        generations.close();
        resolver.close();
        stop.closeStopped(runners.stop());
        accessLog.close();
    }
}
