package io.vigil.loop;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Graceful shutdown of one loop: wait until its sessions have ended by themselves or the grace period is over,
 * then close whatever is left and count down. Runs on the loop's thread.
 */
public final class LoopDrain implements TimerTarget
{
    private static final long CHECK_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final EventLoop loop;
    private final long deadlineNs;
    private final CountDownLatch drained;

    /**
     * @param loop       the loop to drain.
     * @param deadlineNs when to stop waiting, on the loop's clock.
     * @param drained    counted down once the loop has no sessions.
     */
    public LoopDrain(final EventLoop loop, final long deadlineNs, final CountDownLatch drained)
    {
        this.loop = loop;
        this.deadlineNs = deadlineNs;
        this.drained = drained;
    }

    /**
     * Start checking. Call on the loop's thread.
     */
    public void start()
    {
        loop.forEachSession(LoopSession::onDrain);
        check(System.nanoTime());
    }

    @Override
    public void onTimer(final long timerId, final long nowNs)
    {
        check(nowNs);
    }

    private void check(final long nowNs)
    {
        if (loop.sessionCount() == 0 || nowNs >= deadlineNs)
        {
            loop.shutdownSessions();
            drained.countDown();
        }
        else
        {
            loop.schedule(Math.min(nowNs + CHECK_NS, deadlineNs), this);
        }
    }
}
