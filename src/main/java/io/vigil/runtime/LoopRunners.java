package io.vigil.runtime;

import io.vigil.config.IdleConfig;
import io.vigil.log.Log;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopStalledException;
import io.vigil.loop.LoopWatchdog;
import io.vigil.loop.SelectorIdleStrategy;
import io.vigil.loop.SpinThenBlockIdleStrategy;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The loops' threads and what watches them: a runner per loop, the stall watchdog, and the one fatal verdict (a
 * loop died of an Error or is stuck) that makes Vigil stop. Stopping never waits for a stuck loop beyond a
 * deadline: the process exits and takes the thread with it.
 */
final class LoopRunners
{
    /** How long stopping waits for all loop threads to end, after the drain. */
    static final long CLOSE_NS = TimeUnit.SECONDS.toNanos(2);
    private static final int CLOSE_RETRY_MS = 100;

    private final EventLoop[] loops;
    private final List<AgentRunner> runners = new ArrayList<>();
    private LoopWatchdog watchdog;
    private volatile Throwable fatal;
    private volatile Runnable onFatal = () -> { };

    LoopRunners(final EventLoop[] loops)
    {
        this.loops = loops;
    }

    /**
     * Start a thread per loop, and the watchdog unless the stall timeout is 0.
     *
     * @param stallTimeoutNs loop-stall-timeout.
     * @param idle           idle-strategy and idle-spin.
     */
    void start(final long stallTimeoutNs, final IdleConfig idle)
    {
        for (final EventLoop loop : loops)
        {
            final IdleStrategy idleStrategy = idle.strategy() == IdleConfig.Strategy.SPIN ?
                new SpinThenBlockIdleStrategy(loop, idle.spinNs()) : new SelectorIdleStrategy(loop);
            final AgentRunner runner = new AgentRunner(idleStrategy, this::onLoopError, null, loop);
            runners.add(runner);
            AgentRunner.startOnThread(runner);
        }
        if (stallTimeoutNs > 0)
        {
            watchdog = new LoopWatchdog(loops, i -> runners.get(i).thread(), stallTimeoutNs, this::reportFatal);
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

    void onFatal(final Runnable action)
    {
        this.onFatal = action;
        if (fatal != null)
        {
            action.run();
        }
    }

    Throwable fatal()
    {
        return fatal;
    }

    /**
     * Stop the watchdog, then each loop's thread, giving up at a shared deadline.
     *
     * @return per loop: true when its thread has stopped or never ran, so what it owned may be closed from here.
     */
    boolean[] stop()
    {
        CloseHelper.quietClose(watchdog);
        for (final EventLoop loop : loops)
        {
            loop.terminate();
        }
        final long deadlineNs = System.nanoTime() + CLOSE_NS;
        final boolean[] stopped = new boolean[loops.length];
        for (int i = 0; i < loops.length; i++)
        {
            final Thread thread = runners.size() <= i ? null : runners.get(i).thread();
            if (thread == null)
            {
                loops[i].onClose();
                stopped[i] = true;
            }
            else if (closeWithin(runners.get(i), deadlineNs))
            {
                stopped[i] = true;
            }
            else if (fatal == null)
            {
                // stuck with the watchdog off: still not a clean stop
                fatal = new LoopStalledException(loops[i].roleName(), CLOSE_NS, thread);
            }
        }
        return stopped;
    }

    private static boolean closeWithin(final AgentRunner runner, final long deadlineNs)
    {
        try
        {
            runner.close(CLOSE_RETRY_MS, thread ->
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
