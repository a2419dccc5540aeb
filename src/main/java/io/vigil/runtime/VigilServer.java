package io.vigil.runtime;

import io.vigil.cli.Vigil;
import io.vigil.config.ListenerConfig;
import io.vigil.config.UpstreamConfig;
import io.vigil.config.VigilConfig;
import io.vigil.log.AccessLog;
import io.vigil.loop.BufferPool;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopDrain;
import io.vigil.loop.LoopStalledException;
import io.vigil.loop.LoopWatchdog;
import io.vigil.loop.SelectorIdleStrategy;
import io.vigil.net.SocketTuning;
import io.vigil.session.Acceptor;
import io.vigil.session.ListenerShard;
import io.vigil.session.SessionObserver;
import io.vigil.session.Listener;
import io.vigil.http.HttpSession;
import io.vigil.tcp.TcpSession;
import io.vigil.upstream.ConnectionPool;
import io.vigil.upstream.HealthChecks;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.Resolver;
import io.vigil.upstream.UpstreamGroup;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running Vigil: event loops, bound listeners and the access log, built from a {@link VigilConfig}.
 * {@link #start} binds every listener before any loop runs, so a bad address fails startup as a whole.
 * {@link #shutdown()} stops accepting, lets sessions finish for the grace period, then closes the rest.
 */
public final class VigilServer implements AutoCloseable
{
    private static final int COMMAND_CAPACITY = 16 * 1024;
    private static final int MAX_RETAINED_BUFFERS = 4096;
    private static final int HTTP_HEAD_SLACK = 4096;
    /** How long stopping waits for all loop threads to end, after the drain. */
    private static final long RUNNER_CLOSE_NS = TimeUnit.SECONDS.toNanos(2);
    private static final int RUNNER_CLOSE_RETRY_MS = 100;
    /** Past shutdown-timeout, how long the drain waits for loops to report; a stuck loop never does. */
    private static final long DRAIN_MARGIN_NS = TimeUnit.SECONDS.toNanos(2);

    private final VigilConfig config;
    private final EventLoop[] loops;
    private final List<List<Acceptor>> acceptorsByLoop = new ArrayList<>();
    private final List<ListenerShard> shards = new ArrayList<>();
    /** Each loop's idle upstream connection pools (HTTP mode), touched only on that loop or after it stopped. */
    private final List<List<ConnectionPool>> poolsByLoop = new ArrayList<>();
    private final Map<UpstreamGroup, HealthChecks> healthChecks = new LinkedHashMap<>();
    private final Resolver resolver = new Resolver();
    private final Map<String, InetSocketAddress> boundAddresses = new LinkedHashMap<>();
    private final AtomicLong socketOptionFailures = new AtomicLong();
    private final List<AgentRunner> runners = new ArrayList<>();
    private LoopWatchdog watchdog;
    private final AccessLog accessLog;
    private volatile boolean shuttingDown;
    private volatile Throwable fatal;
    private volatile Runnable onFatal = () -> { };

    private VigilServer(final VigilConfig config, final OutputStream accessLogOut)
    {
        this.config = config;
        this.loops = new EventLoop[config.eventLoops()];
        for (int i = 0; i < loops.length; i++)
        {
            loops[i] = new EventLoop(i, COMMAND_CAPACITY);
            acceptorsByLoop.add(new ArrayList<>());
            poolsByLoop.add(new ArrayList<>());
        }
        this.accessLog = new AccessLog(accessLogOut);
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
        final VigilServer server = new VigilServer(config, accessLogOut);
        try
        {
            server.build(observer);
        }
        catch (final RuntimeException ex)
        {
            server.close();
            throw ex;
        }
        server.startLoops();
        return server;
    }

    private void build(final SessionObserver observer)
    {
        final Map<String, UpstreamGroup> groups = new HashMap<>();
        for (final UpstreamConfig upstream : config.upstreams().values())
        {
            final UpstreamGroup group = new UpstreamGroup(upstream, true, socketOptionFailures);
            group.tuning().verifySupported();
            groups.put(upstream.name(), group);
            final HealthChecks checks = new HealthChecks(group, loops, peer -> onPeerDown(group, peer));
            checks.start();
            healthChecks.put(group, checks);
            resolver.watch(group, checks);
        }

        final List<Map<String, PeerPicker>> pickers = new ArrayList<>();
        final List<Map<Integer, BufferPool>> pools = new ArrayList<>();
        final List<Map<String, ConnectionPool>> connectionPools = new ArrayList<>();
        for (int i = 0; i < loops.length; i++)
        {
            pickers.add(new HashMap<>());
            pools.add(new HashMap<>());
            connectionPools.add(new HashMap<>());
        }

        for (final ListenerConfig listenerConfig : config.listeners())
        {
            final UpstreamGroup group = groups.get(listenerConfig.upstream());
            final Listener listener = new Listener(listenerConfig, group, observer, socketOptionFailures);
            listener.downstreamTuning().verifySupported();
            final boolean http = listenerConfig.mode() == ListenerConfig.Mode.HTTP;
            // an HTTP head must fit one buffer, with room for the fields Vigil adds when forwarding it
            final int bufferSize = http ?
                Math.max(listenerConfig.bufferSize(), listenerConfig.http().maxHeaderSize() + HTTP_HEAD_SLACK) :
                listenerConfig.bufferSize();
            final ListenerShard[] shards = new ListenerShard[loops.length];
            for (int i = 0; i < loops.length; i++)
            {
                final EventLoop loop = loops[i];
                // timeouts are checked by the loop's sweep: at most a quarter of the shortest (or 1 s) late
                loop.sweepEvery(Math.min(shortestTimeoutNs(listenerConfig, group.config()) / 4,
                    TimeUnit.SECONDS.toNanos(1)));
                final PeerPicker picker = pickers.get(i).computeIfAbsent(group.name(), name -> group.newPicker());
                final BufferPool pool = pools.get(i).computeIfAbsent(
                    bufferSize, size -> new BufferPool(size, MAX_RETAINED_BUFFERS));
                final ConnectionPool connections = http ? connectionPools.get(i).computeIfAbsent(group.name(),
                    name -> newConnectionPool(loop, group.config())) : null;
                shards[i] = new ListenerShard(loop, listener, picker, pool, accessLog.newLine(), connections,
                    http ? HttpSession::startOn : TcpSession::startOn);
                this.shards.add(shards[i]);
            }
            bind(listener, shards);
        }
    }

    private ConnectionPool newConnectionPool(final EventLoop loop, final UpstreamConfig upstream)
    {
        final ConnectionPool pool = new ConnectionPool(loop, upstream.http().keepaliveIdle(),
            upstream.http().keepaliveTimeoutNs(), upstream.http().keepaliveRequests(),
            upstream.http().keepaliveTimeNs());
        poolsByLoop.get(loop.index()).add(pool);
        return pool;
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

    private void bind(final Listener listener, final ListenerShard[] shards)
    {
        final ListenerConfig lc = listener.config();
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
                final Acceptor acceptor = new Acceptor(loops[i], channel, listener, targets);
                acceptor.register();
                acceptorsByLoop.get(i).add(acceptor);
            }
            catch (final IOException ex)
            {
                CloseHelper.quietClose(channel);
                throw new IllegalStateException("listener " + lc.name() + ": cannot listen on " +
                    io.vigil.net.HostPort.format(lc.listen()) + ": " + ex.getMessage(), ex);
            }
        }
        boundAddresses.put(lc.name(), address);
    }

    /** A health check marked a peer down: with on-down = close-sessions every loop ends its sessions on it. */
    private void onPeerDown(final UpstreamGroup group, final Peer peer)
    {
        if (group.config().onDown() == UpstreamConfig.OnDown.CLOSE_SESSIONS)
        {
            for (final EventLoop loop : loops)
            {
                final List<ConnectionPool> pools = poolsByLoop.get(loop.index());
                loop.execute(() ->
                {
                    pools.forEach(pool -> pool.closeTo(peer));
                    ListenerShard.closeSessionsOf(loop, peer);
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
        System.err.println("ERROR event loop: " + ex);
        ex.printStackTrace();
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
            System.err.println("FATAL " + ex.getMessage() + "; its stack:");
            ex.printStackTrace();
        }
        System.err.println("FATAL an event loop " + (ex instanceof Error ? "died" : "is stuck") +
            "; Vigil cannot serve reliably any more and will exit");
        onFatal.run();
    }

    /**
     * @param action run (once, on the dying loop's thread) when a loop dies of an Error.
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
     * @return the Error that killed a loop, or null while all loops run.
     */
    public Throwable fatal()
    {
        return fatal;
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
        for (final UpstreamGroup group : healthChecks.keySet())
        {
            if (group.name().equals(upstream))
            {
                return group.peers();
            }
        }
        return null;
    }

    /**
     * Totals for the operator, read once the loops have stopped (the counters are plain fields of each loop).
     *
     * @return e.g. {@code sessions=12 accept_failures=0 ...}.
     */
    public String totals()
    {
        long sessions = 0;
        for (final ListenerShard shard : shards)
        {
            sessions += shard.acceptedCount();
        }
        long acceptFailures = 0;
        long handOffFailures = 0;
        for (final List<Acceptor> acceptors : acceptorsByLoop)
        {
            for (final Acceptor acceptor : acceptors)
            {
                acceptFailures += acceptor.acceptFailures();
                handOffFailures += acceptor.handOffFailures();
            }
        }
        long handlerFailures = 0;
        for (final EventLoop loop : loops)
        {
            handlerFailures += loop.handlerFailures();
        }
        return "sessions=" + sessions + " accept_failures=" + acceptFailures + " handoff_refused=" + handOffFailures +
            " handler_failures=" + handlerFailures + " socket_option_failures=" + socketOptionFailures.get() +
            " access_log_dropped=" + accessLog.dropped();
    }

    /**
     * @return the configuration this server runs.
     */
    public VigilConfig config()
    {
        return config;
    }

    /**
     * Graceful stop: close listening sockets, let sessions finish for up to shutdown-timeout, close the rest,
     * stop the loops and flush the access log. Safe from any thread; returns when done.
     *
     * @return true when every loop drained in time.
     */
    public boolean shutdown()
    {
        if (shuttingDown)
        {
            return true;
        }
        shuttingDown = true;
        final CountDownLatch drained = new CountDownLatch(loops.length);
        final long graceNs = config.shutdownTimeoutNs();
        for (int i = 0; i < loops.length; i++)
        {
            final EventLoop loop = loops[i];
            final List<Acceptor> acceptors = acceptorsByLoop.get(i);
            final boolean queued = loop.execute(() ->
            {
                acceptors.forEach(Acceptor::close);
                // idle pooled upstream connections will not be needed: close them now, not at the end of the grace
                poolsByLoop.get(loop.index()).forEach(ConnectionPool::closeAll);
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
            System.err.println("ERROR " + ex.getMessage() + "; leaving it behind");
            return false;
        }
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
            // once a loop's thread has stopped, its pools' idle upstream connections can be closed from here
            final Thread thread = runners.size() <= i ? null : runners.get(i).thread();
            if (thread == null || closeWithin(runners.get(i), deadlineNs))
            {
                poolsByLoop.get(i).forEach(ConnectionPool::closeAll);
            }
            else if (fatal == null)
            {
                // stuck with the watchdog off: still not a clean stop
                fatal = new LoopStalledException(loops[i].roleName(), RUNNER_CLOSE_NS, thread);
            }
        }
        for (int i = 0; i < loops.length; i++)
        {
            if (runners.size() <= i)
            {
                // never started: close what build() opened
                acceptorsByLoop.get(i).forEach(Acceptor::close);
                loops[i].onClose();
            }
            else
            {
                acceptorsByLoop.get(i).forEach(Acceptor::close);
            }
        }
        accessLog.close();
    }
}
