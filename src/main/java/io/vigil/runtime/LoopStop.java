package io.vigil.runtime;

import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopDrain;
import io.vigil.session.Acceptor;
import io.vigil.upstream.ConnectionPool;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What every loop does when Vigil stops: the drain (stop accepting, close idle pooled upstream connections, let
 * sessions finish until a deadline), the cut a second SIGTERM asks for, and, once a loop's thread has stopped,
 * closing from the calling thread what that loop owned. {@link VigilServer} decides when; this class sends the
 * commands (on the control queues: never refused) and waits.
 */
final class LoopStop
{
    /** Past shutdown-timeout, how long the drain waits for loops to report; a stuck loop never does. */
    private static final long DRAIN_MARGIN_NS = TimeUnit.SECONDS.toNanos(2);

    private final LoopContext[] contexts;
    private final ListenerSockets sockets;

    LoopStop(final LoopContext[] contexts, final ListenerSockets sockets)
    {
        this.contexts = contexts;
        this.sockets = sockets;
    }

    /**
     * Every loop closes its sessions now.
     */
    void cutShort()
    {
        for (final LoopContext context : contexts)
        {
            final EventLoop loop = context.loop();
            loop.executeControl(loop::shutdownSessions);
        }
    }

    /**
     * Every loop closes its acceptors and idle pooled connections and drains its sessions for up to the grace
     * period; wait for them all, at most a little longer than that.
     *
     * @param graceNs how long sessions may take to finish.
     * @return true when every loop drained in time.
     */
    boolean drain(final long graceNs)
    {
        final CountDownLatch drained = new CountDownLatch(contexts.length);
        for (final LoopContext context : contexts)
        {
            final EventLoop loop = context.loop();
            final List<Acceptor> acceptors = sockets.acceptorsOn(loop);
            loop.executeControl(() ->
            {
                acceptors.forEach(Acceptor::close);
                // idle pooled upstream connections will not be needed: close them now, not at the end of the grace
                context.pools().forEach(ConnectionPool::closeAll);
                new LoopDrain(loop, System.nanoTime() + graceNs, drained).start();
            });
        }
        try
        {
            return drained.await(graceNs + DRAIN_MARGIN_NS, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Close what the loops whose threads have stopped (or never ran) owned: from here, as no loop will.
     *
     * @param stopped per loop, whether its thread has stopped.
     */
    void closeStopped(final boolean[] stopped)
    {
        for (int i = 0; i < contexts.length; i++)
        {
            if (stopped[i])
            {
                contexts[i].pools().forEach(ConnectionPool::closeAll);
                sockets.acceptorsOn(contexts[i].loop()).forEach(Acceptor::close);
            }
        }
    }
}
