package io.vigil.runtime;

import io.vigil.config.ListenerConfig;
import io.vigil.config.UpstreamConfig;
import io.vigil.config.VigilConfig;
import io.vigil.log.AccessLog;
import io.vigil.log.Log;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopDrain;
import io.vigil.loop.LoopStalledException;
import io.vigil.loop.LoopWatchdog;
import io.vigil.loop.SelectorIdleStrategy;
import io.vigil.net.HostPort;
import io.vigil.net.SocketTuning;
import io.vigil.session.Acceptor;
import io.vigil.session.ListenerShard;
import io.vigil.session.SessionInfo;
import io.vigil.session.SessionObserver;
import io.vigil.stats.StatsLayout;
import io.vigil.stats.StatsSnapshot;
import io.vigil.upstream.ConnectionPool;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerUser;
import io.vigil.upstream.Resolver;
import io.vigil.upstream.UpstreamGroup;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
    /** How long stopping waits for all loop threads to end, after the drain. */
    private static final long RUNNER_CLOSE_NS = TimeUnit.SECONDS.toNanos(2);
    private static final int RUNNER_CLOSE_RETRY_MS = 100;
    /** Past shutdown-timeout, how long the drain waits for loops to report; a stuck loop never does. */
    private static final long DRAIN_MARGIN_NS = TimeUnit.SECONDS.toNanos(2);

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
    private final Map<String, InetSocketAddress> boundAddresses = new LinkedHashMap<>();
    private final AtomicLong socketOptionFailures = new AtomicLong();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final AccessLog accessLog;
    private final SessionObserver observer;
    private final ReadOut readOut;
    private volatile Generation generation;
    private LoopWatchdog watchdog;
    private volatile boolean shuttingDown;
    private volatile boolean draining;
    private volatile Throwable fatal;
    private volatile Runnable onFatal = () -> { };

    private VigilServer(final VigilConfig config, final SessionObserver observer, final OutputStream accessLogOut)
    {
        this.config = config;
        this.observer = observer;
        this.accessLog = new AccessLog(accessLogOut);
        this.loops = new EventLoop[config.eventLoops()];
        this.contexts = new LoopContext[loops.length];
        for (int i = 0; i < loops.length; i++)
        {
            loops[i] = new EventLoop(i, COMMAND_CAPACITY);
            contexts[i] = new LoopContext(loops[i], accessLog);
        }
        this.readOut = new ReadOut(loops, layout);
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
            server.generation = Generation.build(1, config, server.contexts, server.layout, observer,
                server.socketOptionFailures, server::onPeerDown);
            for (final ListenerConfig listener : config.listeners())
            {
                server.bind(listener);
            }
        }
        catch (final RuntimeException ex)
        {
            server.close();
            throw ex;
        }
        for (final EventLoop loop : server.loops)
        {
            loop.sweepEvery(server.generation.sweepIntervalNs());
        }
        server.generation.start(server.resolver);
        server.startLoops();
        return server;
    }

    private void bind(final ListenerConfig lc)
    {
        final ListenerShard[] shards = generation.shards(lc.name());
        InetSocketAddress address = lc.listen();
        final int sockets = lc.reuseport() ? loops.length : 1;
        for (int i = 0; i < sockets; i++)
        {
            ServerSocketChannel channel = null;
            try
            {
                channel = ServerSocketChannel.open();
                channel.configureBlocking(false);
                SocketTuning.applyListen(channel, lc.reuseport());
                channel.bind(address, lc.backlog());
                // an ephemeral port (0) is chosen once; the other reuseport sockets join it
                address = (InetSocketAddress)channel.getLocalAddress();
                final ListenerShard[] targets = lc.reuseport() ? new ListenerShard[] {shards[i]} : shards;
                final Acceptor acceptor = new Acceptor(loops[i], channel, targets);
                acceptor.register();
                contexts[i].acceptors().add(acceptor);
            }
            catch (final IOException ex)
            {
                CloseHelper.quietClose(channel);
                throw new IllegalStateException("listener " + lc.name() + ": cannot listen on " +
                    HostPort.format(lc.listen()) + ": " + ex.getMessage(), ex);
            }
        }
        boundAddresses.put(lc.name(), address);
    }

    /** A health check marked a peer down: with on-down = close-sessions every loop ends its sessions on it. */
    private void onPeerDown(final UpstreamGroup group, final Peer peer)
    {
        if (group.config().onDown() == UpstreamConfig.OnDown.CLOSE_SESSIONS)
        {
            for (final LoopContext context : contexts)
            {
                final EventLoop loop = context.loop();
                loop.execute(() ->
                {
                    context.pools().forEach(pool -> pool.closeTo(peer));
                    loop.forEachSession(session ->
                    {
                        if (session instanceof PeerUser)
                        {
                            ((PeerUser)session).onPeerDown(peer);
                        }
                    });
                });
            }
        }
    }

    private void startLoops()
    {
        for (final EventLoop loop : loops)
        {
            final AgentRunner runner = new AgentRunner(new SelectorIdleStrategy(loop), this::onLoopError, null, loop);
            runners.add(runner);
            AgentRunner.startOnThread(runner);
        }
        if (config.loopStallTimeoutNs() > 0)
        {
            watchdog = new LoopWatchdog(loops, i -> runners.get(i).thread(), config.loopStallTimeoutNs(),
                this::reportFatal);
            watchdog.start();
        }
    }

    private void onLoopError(final Throwable ex)
    {
        Log.error("event loop: " + ex, ex);
        if (ex instanceof Error)
        {
            // the runner ends that loop's thread after this: its sessions and hand-offs would hang, so say so
            reportFatal(ex);
        }
    }

    /** A loop died or is stuck: Vigil cannot serve reliably any more; say so once and let the owner stop. */
    private synchronized void reportFatal(final Throwable ex)
    {
        if (fatal != null)
        {
            return;
        }
        fatal = ex;
        if (!(ex instanceof Error))
        {
            Log.fatal(ex.getMessage() + "; its stack:", ex);
        }
        Log.fatal("an event loop " + (ex instanceof Error ? "died" : "is stuck") +
            "; Vigil cannot serve reliably any more and will exit", null);
        onFatal.run();
    }

    /**
     * @param action run (once, on the reporting thread) when a loop dies of an Error or is found stuck.
     */
    public void onFatal(final Runnable action)
    {
        this.onFatal = action;
        if (fatal != null)
        {
            action.run();
        }
    }

    /**
     * @return what killed or stalled a loop, or null while all loops run.
     */
    public Throwable fatal()
    {
        return fatal;
    }

    /**
     * @return true while every loop is alive and none is stuck (liveness).
     */
    public boolean live()
    {
        return fatal == null;
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
        return generation.config();
    }

    /**
     * @return the upstream groups new connections go to, by name (live objects: servers' state).
     */
    public Map<String, UpstreamGroup> upstreams()
    {
        return generation.groups();
    }

    /**
     * @return socket options that failed at runtime.
     */
    public long socketOptionFailures()
    {
        return socketOptionFailures.get();
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
        return boundAddresses.get(listener);
    }

    /**
     * @param upstream an upstream's name.
     * @return its current peers (live objects: health and session counts), or null when there is none.
     */
    public Peer[] peers(final String upstream)
    {
        final UpstreamGroup group = generation.groups().get(upstream);
        return group == null ? null : group.peers();
    }

    /**
     * @return the number of the configuration generation new connections join.
     */
    public long generation()
    {
        return generation.id();
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
        shuttingDown = true;
        final CountDownLatch drained = new CountDownLatch(loops.length);
        final long graceNs = config.shutdownTimeoutNs();
        for (final LoopContext context : contexts)
        {
            final EventLoop loop = context.loop();
            final boolean queued = loop.execute(() ->
            {
                context.acceptors().forEach(Acceptor::close);
                // idle pooled upstream connections will not be needed: close them now, not at the end of the grace
                context.pools().forEach(ConnectionPool::closeAll);
                new LoopDrain(loop, System.nanoTime() + graceNs, drained).start();
            });
            if (!queued)
            {
                drained.countDown();
            }
        }
        boolean inTime;
        try
        {
            inTime = drained.await(graceNs + DRAIN_MARGIN_NS, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            inTime = false;
        }
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
        CloseHelper.quietClose(watchdog);
        resolver.close();
        for (final EventLoop loop : loops)
        {
            loop.terminate();
        }
        final long deadlineNs = System.nanoTime() + RUNNER_CLOSE_NS;
        for (int i = 0; i < loops.length; i++)
        {
            final Thread thread = runners.size() <= i ? null : runners.get(i).thread();
            if (thread == null || closeWithin(runners.get(i), deadlineNs))
            {
                // the loop's thread has stopped (or never ran): what it owned can be closed from here
                contexts[i].pools().forEach(ConnectionPool::closeAll);
                contexts[i].acceptors().forEach(Acceptor::close);
                if (thread == null)
                {
                    loops[i].onClose();
                }
            }
            else if (fatal == null)
            {
                // stuck with the watchdog off: still not a clean stop
                fatal = new LoopStalledException(loops[i].roleName(), RUNNER_CLOSE_NS, thread);
            }
        }
        accessLog.close();
    }

    /**
     * Stop a loop's runner, but give up at the deadline: a stuck loop never stops, and stopping Vigil must not
     * wait for it (the process exits and takes the thread with it).
     */
    private static boolean closeWithin(final AgentRunner runner, final long deadlineNs)
    {
        try
        {
            runner.close(RUNNER_CLOSE_RETRY_MS, thread ->
            {
                if (System.nanoTime() - deadlineNs >= 0)
                {
                    throw new IllegalStateException(thread.getName() + " did not stop");
                }
            });
            return true;
        }
        catch (final IllegalStateException ex)
        {
            Log.error(ex.getMessage() + "; leaving it behind", null);
            return false;
        }
    }
}
