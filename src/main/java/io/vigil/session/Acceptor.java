package io.vigil.session;

import io.vigil.log.Log;
import io.vigil.loop.EventLoop;
import io.vigil.loop.FreedDescriptors;
import io.vigil.loop.SelectHandler;
import io.vigil.loop.TimerTarget;
import io.vigil.net.KernelAccept;
import io.vigil.net.SocketTuning;
import io.vigil.stats.GlobalCounters;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.RejectReason;
import org.agrona.CloseHelper;
import org.agrona.DeadlineTimerWheel;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Accepts on one listening socket registered with one loop, tunes each accepted socket (keepalive, nodelay)
 * before any loop sees it, and hands it to a shard: round-robin across loops for a shared socket, or always its
 * own loop for a per-loop SO_REUSEPORT socket. Socket options sit on the listening socket where they can, inherited
 * by each accepted one; the first accepted socket of each configuration is read back to make sure, and from then on
 * only what the listener could not take is set per accept ({@link SocketTuning#applyAccepted}). When accept
 * fails (e.g. EMFILE: out of file descriptors) it stops accepting instead of spinning, as nginx does, until a socket
 * is closed anywhere in the process ({@link FreedDescriptors}) or, at the latest, for {@link #PAUSE_FALLBACK_NS}.
 * The shards it hands to can be replaced while it runs (a new configuration generation takes over the same
 * socket).
 */
public final class Acceptor implements SelectHandler, TimerTarget
{
    private static final int ACCEPTS_PER_WAKEUP = 64;
    /**
     * A paused acceptor tries again after this long even when no close was seen (descriptors freed by something
     * else, e.g. a health check or an admin connection). {@code -Dvigil.accept.pause-ms} changes it (tests).
     */
    public static final long PAUSE_FALLBACK_NS =
        TimeUnit.MILLISECONDS.toNanos(Long.getLong("vigil.accept.pause-ms", 500));
    /** Accepted sockets read back before giving up on inheritance for a configuration. */
    private static final int INHERITANCE_CHECKS = 3;
    /**
     * First wait after an accept that a close's wake-up let through failed again: something else took the freed
     * descriptor first (the JVM itself opens cgroup files now and then), so the next try comes soon, doubling up
     * to {@link #PAUSE_FALLBACK_NS} while that keeps happening.
     */
    private static final long QUICK_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(5);

    private final EventLoop loop;
    private final ServerSocketChannel server;
    /** accept4 with the socket born non-blocking on Java 22+, the JDK's accept before. */
    private final KernelAccept accepts;
    private ListenerShard[] shards;
    private SelectionKey key;
    private int nextShard;
    private long acceptFailures;
    private long handOffFailures;
    private boolean failureLogged;
    private long lastFailureLogNs;
    private int carried;
    private int inherited;
    private int inheritanceChecks;
    /** Not accepting after a failure; loop thread only. */
    private boolean paused;
    private long retryTimerId = DeadlineTimerWheel.NULL_DEADLINE;
    private final AcceptRetry retry = new AcceptRetry(QUICK_RETRY_NS, PAUSE_FALLBACK_NS);
    /** A resume command is queued on the loop: closes elsewhere need not queue another. */
    private final AtomicBoolean wakeQueued = new AtomicBoolean();
    /** Made once: the wake-up must not need a new class or much memory while the process is out of descriptors. */
    private final Runnable resumeOnFree = this::resumeOnFree;
    private final Runnable wakeFromPause = this::wakeFromPause;

    /**
     * @param loop   the loop this acceptor's socket is registered with.
     * @param server a bound, non-blocking listening socket.
     * @param shards where accepted sockets go, round-robin; one entry for a per-loop socket.
     */
    public Acceptor(final EventLoop loop, final ServerSocketChannel server, final ListenerShard[] shards)
    {
        this.loop = loop;
        this.server = server;
        this.accepts = new KernelAccept(server);
        this.shards = shards;
        tuneListener();
        // loaded now, not on the first EMFILE: loading a class from a directory needs a descriptor
        FreedDescriptors.stopWaiting(wakeFromPause);
    }

    private void tuneListener()
    {
        carried = shards[0].listener().downstreamTuning().applyToListener(server);
        inherited = 0;
        inheritanceChecks = carried != 0 ? 0 : INHERITANCE_CHECKS;
    }

    /**
     * Register for OP_ACCEPT. Call on the loop's thread, or before the loop starts.
     *
     * @throws IOException when registration fails.
     */
    public void register() throws IOException
    {
        key = server.register(loop.selector(), SelectionKey.OP_ACCEPT, this);
    }

    /**
     * Hand accepted sockets to other shards from now on (a new generation's). Call on the loop's thread.
     *
     * @param replacement the new shards, as for the constructor.
     */
    public void retarget(final ListenerShard[] replacement)
    {
        shards = replacement;
        nextShard = 0;
        tuneListener();
    }

    /**
     * @return the listener that accepted sockets go to now.
     */
    public Listener listener()
    {
        return shards[0].listener();
    }

    @Override
    public void onSelect(final SelectionKey selected)
    {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++)
        {
            final SocketChannel channel;
            try
            {
                channel = accepts.accept();
            }
            catch (final IOException ex)
            {
                onAcceptFailure(ex);
                return;
            }
            if (channel == null)
            {
                return;
            }
            retry.accepted();
            handOff(channel);
        }
    }

    private void handOff(final SocketChannel channel)
    {
        try
        {
            channel.configureBlocking(false);
        }
        catch (final IOException ex)
        {
            loop.closeSoon(channel); // not registered: closed at once, and paused acceptors told
            return;
        }
        final ListenerShard shard = shards[nextShard];
        nextShard = nextShard + 1 == shards.length ? 0 : nextShard + 1;
        final SocketTuning tuning = shard.listener().downstreamTuning();
        if (inherited == 0 && inheritanceChecks < INHERITANCE_CHECKS)
        {
            inheritanceChecks++;
            // sockets accepted from now on were made later from the same listener: they inherit alike
            inherited = tuning.inheritedBy(channel, carried) ? carried : 0;
        }
        tuning.applyAccepted(channel, inherited);
        if (shard.loop() == loop)
        {
            shard.onAccepted(channel);
        }
        else if (!shard.loop().execute(() -> shard.onAccepted(channel)))
        {
            // that loop is overloaded: refuse rather than queue without bound
            handOffFailures++;
            loop.counters().increment(
                shard.listener().stats() + ListenerCounters.REJECTED + RejectReason.OVERLOADED.ordinal());
            loop.closeSoon(channel);
        }
    }

    private void onAcceptFailure(final IOException ex)
    {
        acceptFailures++;
        loop.counters().increment(GlobalCounters.ACCEPT_FAILURES);
        // a flag, not a sentinel time: now - Long.MIN_VALUE overflows and the first failure was never logged
        if (!failureLogged || loop.nowNs() - lastFailureLogNs > TimeUnit.SECONDS.toNanos(1))
        {
            failureLogged = true;
            lastFailureLogNs = loop.nowNs();
            Log.warn("listener " + listener().name() + ": accept failed, pausing accepts until a socket closes " +
                "(at most " + TimeUnit.NANOSECONDS.toMillis(PAUSE_FALLBACK_NS) + "ms): " + ex);
        }
        key.interestOps(0);
        paused = true;
        final long pauseNs = retry.pauseAfterFailure();
        retryTimerId = loop.schedule(loop.nowNs() + pauseNs, this);
        FreedDescriptors.await(wakeFromPause);
    }

    /**
     * A socket was closed somewhere (any thread): accept again on this acceptor's loop. Queues at most one command.
     */
    private void wakeFromPause()
    {
        if (wakeQueued.compareAndSet(false, true) && !loop.execute(resumeOnFree))
        {
            wakeQueued.set(false); // the loop's queue is full: the fallback timer resumes
        }
    }

    private void resumeOnFree()
    {
        wakeQueued.set(false);
        if (paused)
        {
            loop.cancel(retryTimerId);
            retry.resumedByClose();
            resume();
        }
    }

    @Override
    public void onTimer(final long timerId, final long nowNs)
    {
        if (paused && timerId == retryTimerId)
        {
            resume();
        }
    }

    private void resume()
    {
        paused = false;
        retryTimerId = DeadlineTimerWheel.NULL_DEADLINE;
        FreedDescriptors.stopWaiting(wakeFromPause);
        if (key.isValid())
        {
            key.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    public void onFailure(final Exception ex)
    {
        acceptFailures++;
    }

    /**
     * The listener was removed by a reload: take what already waits in the backlog (those clients connected
     * before the reload and are served by the old configuration), then close. Call on the loop's thread.
     */
    public void drainAndClose()
    {
        for (int taken = 0; taken < 100_000; taken++)
        {
            final SocketChannel channel;
            try
            {
                channel = accepts.accept();
            }
            catch (final IOException ex)
            {
                break;
            }
            if (channel == null)
            {
                break;
            }
            handOff(channel);
        }
        close();
    }

    /**
     * Stop accepting: close the listening socket. Call on the loop's thread.
     */
    public void close()
    {
        FreedDescriptors.stopWaiting(wakeFromPause);
        CloseHelper.quietClose(server);
    }

    /**
     * @return the loop this acceptor's socket is registered with.
     */
    public EventLoop loop()
    {
        return loop;
    }

    /**
     * @return the listening socket.
     */
    public ServerSocketChannel server()
    {
        return server;
    }

    /**
     * @return accept calls that failed.
     */
    public long acceptFailures()
    {
        return acceptFailures;
    }

    /**
     * @return accepted sockets refused because the target loop's queue was full.
     */
    public long handOffFailures()
    {
        return handOffFailures;
    }
}
