package io.vigil.cli;

import io.vigil.runtime.VigilServer;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The stop signals of a run: the first starts the drain, the second cuts it short. Signal handlers only count
 * and wake the main thread, so they return at once.
 */
final class StopSignals
{
    private final VigilServer server;
    private final AtomicInteger received = new AtomicInteger();
    private final CountDownLatch first = new CountDownLatch(1);
    private final CountDownLatch second = new CountDownLatch(1);
    private volatile String firstCause = "";
    private volatile Runnable onSecond;

    StopSignals(final VigilServer server)
    {
        this.server = server;
    }

    /**
     * @param cause what asked to stop, for the log.
     */
    void signal(final String cause)
    {
        final int count = received.incrementAndGet();
        if (count == 1)
        {
            firstCause = cause;
            server.beginDrain(); // readiness fails now, even before the main thread wakes
            first.countDown();
        }
        else if (count == 2)
        {
            second.countDown();
            final Runnable action = onSecond;
            if (action != null)
            {
                action.run();
            }
        }
    }

    void awaitFirst()
    {
        awaitUninterruptibly(first, Long.MAX_VALUE);
    }

    /**
     * @param ms how long to wait.
     * @return true when a second signal arrived within that time.
     */
    boolean awaitSecond(final long ms)
    {
        return awaitUninterruptibly(second, ms);
    }

    /**
     * @param action run when the second signal arrives (at once when it already has).
     */
    void onSecond(final Runnable action)
    {
        onSecond = action;
        if (second.getCount() == 0)
        {
            // arrived before the action was set: run it here (signal() may also run it; cutting short twice is fine)
            action.run();
        }
    }

    String firstCause()
    {
        return firstCause;
    }

    private static boolean awaitUninterruptibly(final CountDownLatch latch, final long ms)
    {
        try
        {
            return latch.await(ms, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return latch.getCount() == 0;
        }
    }
}
