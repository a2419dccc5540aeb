package io.vigil.session;

import io.vigil.log.Log;
import io.vigil.loop.EventLoop;
import io.vigil.loop.SelectHandler;
import io.vigil.loop.TimerTarget;
import io.vigil.net.SocketTuning;
import io.vigil.stats.GlobalCounters;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.RejectReason;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Accepts on one listening socket registered with one loop, tunes each accepted socket (keepalive, nodelay)
 * before any loop sees it, and hands it to a shard: round-robin across loops for a shared socket, or always its
 * own loop for a per-loop SO_REUSEPORT socket. Socket options sit on the listening socket where they can, inherited
 * by each accepted one; the first accepted socket of each configuration is read back to make sure, and from then on
 * only what the listener could not take is set per accept ({@link SocketTuning#applyAccepted}). When accept
 * fails (e.g. EMFILE: out of file descriptors) it stops accepting for a moment instead of spinning, as nginx does.
 * The shards it hands to can be replaced while it runs (a new configuration generation takes over the same
 * socket).
 */
public final class Acceptor implements SelectHandler, TimerTarget
{
    private static final int ACCEPTS_PER_WAKEUP = 64;
    private static final long ACCEPT_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Accepted sockets read back before giving up on inheritance for a configuration. */
    private static final int INHERITANCE_CHECKS = 3;

    private final EventLoop loop;
    private final ServerSocketChannel server;
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

    /**
     * @param loop   the loop this acceptor's socket is registered with.
     * @param server a bound, non-blocking listening socket.
     * @param shards where accepted sockets go, round-robin; one entry for a per-loop socket.
     */
    public Acceptor(final EventLoop loop, final ServerSocketChannel server, final ListenerShard[] shards)
    {
        this.loop = loop;
        this.server = server;
        this.shards = shards;
        tuneListener();
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
                channel = server.accept();
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
            CloseHelper.quietClose(channel);
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
            CloseHelper.quietClose(channel);
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
            Log.warn("listener " + listener().name() + ": accept failed, pausing accepts for " +
                TimeUnit.NANOSECONDS.toMillis(ACCEPT_RETRY_NS) + "ms: " + ex);
        }
        key.interestOps(0);
        loop.schedule(loop.nowNs() + ACCEPT_RETRY_NS, this);
    }

    @Override
    public void onTimer(final long timerId, final long nowNs)
    {
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
                channel = server.accept();
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
