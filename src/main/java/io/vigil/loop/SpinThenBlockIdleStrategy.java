package io.vigil.loop;

import org.agrona.concurrent.IdleStrategy;

/**
 * Idles an {@link EventLoop} by polling before blocking (config {@code idle-strategy = spin}): after work, the loop
 * keeps running duty cycles (each a non-blocking {@code selectNow}, the command queues and the timers) for up to
 * {@code idle-spin}, pausing between them with {@link Thread#onSpinWait()} and, after a few, {@link Thread#yield()}
 * so a JVM thread sharing the core can run; then it blocks in select as {@link SelectorIdleStrategy} does. Agrona's
 * {@code BackoffIdleStrategy} with the park replaced by the blocking select, as Aeron's driver agents poll.
 *
 * <p>What it buys: a request that arrives within the spin is seen without a wake-up from {@code epoll_wait} (no
 * scheduler hand-off, no cold cache). What it costs: the loop's core is busy for up to {@code idle-spin} after
 * every burst of work, and fully busy while requests arrive more often than that. Allocates nothing; loop thread
 * only.
 */
public final class SpinThenBlockIdleStrategy implements IdleStrategy
{
    /** Idle duty cycles paused with a spin-wait hint before the rest are paused with a yield. */
    static final int SPINS_BEFORE_YIELD = 64;

    private final EventLoop loop;
    private final long spinNs;
    private boolean spinning;
    private long spinStartNs;
    private int spins;

    /**
     * @param loop   the loop whose selector to block in after the spin.
     * @param spinNs how long to keep polling after the last work before blocking; more than 0.
     */
    public SpinThenBlockIdleStrategy(final EventLoop loop, final long spinNs)
    {
        if (spinNs <= 0)
        {
            throw new IllegalArgumentException("spinNs must be positive: " + spinNs);
        }
        this.loop = loop;
        this.spinNs = spinNs;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            spinning = false;
            return;
        }
        idle();
    }

    @Override
    public void idle()
    {
        // the loop reads its clock once per duty cycle: the spin is timed on it, with no clock read of its own
        final long nowNs = loop.nowNs();
        if (!spinning)
        {
            spinning = true;
            spinStartNs = nowNs;
            spins = 0;
        }
        if (nowNs - spinStartNs < spinNs)
        {
            if (spins < SPINS_BEFORE_YIELD)
            {
                spins++;
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
            return;
        }
        // the spin found nothing: block, and spin again after the wake-up (a reply often follows a request)
        spinning = false;
        loop.blockInSelect();
    }

    @Override
    public void reset()
    {
        spinning = false;
    }

    @Override
    public String alias()
    {
        return "spin-then-block";
    }
}
