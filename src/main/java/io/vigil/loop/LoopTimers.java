package io.vigil.loop;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.concurrent.TimeUnit;

/**
 * One loop's timers: an Agrona {@link DeadlineTimerWheel}, who each timer calls, and a lower bound of the
 * earliest pending deadline, so a blocking select can sleep until it rather than waking every wheel tick. A
 * target that throws is counted and failed alone. Loop thread only.
 */
final class LoopTimers
{
    /** Timer tick: 2^24 ns (~16.8 ms). Timeouts here are seconds long; coarse ticks mean few wakeups. */
    private static final long TICK_NS = 1L << 24;
    private static final int TICKS_PER_WHEEL = 1024;
    private static final int TIMER_LIMIT = 1024;

    private final EventLoop loop;
    private final DeadlineTimerWheel wheel;
    private final Long2ObjectHashMap<TimerTarget> targets = new Long2ObjectHashMap<>();
    private final DeadlineTimerWheel.TimerHandler onTimerExpiry = this::onTimerExpiry;
    private final DeadlineTimerWheel.TimerConsumer earliestFinder = this::noteDeadline;
    /** A lower bound of the earliest pending deadline: exact after a rescan, possibly early after a cancel. */
    private long nextDeadlineNs = Long.MAX_VALUE;
    private long scannedEarliestNs;
    private long nowNs;

    LoopTimers(final EventLoop loop, final long startNs)
    {
        this.loop = loop;
        this.wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, startNs, TICK_NS, TICKS_PER_WHEEL);
    }

    /**
     * @return timers pending.
     */
    long count()
    {
        return wheel.timerCount();
    }

    /**
     * @return no later than the earliest pending deadline; Long.MAX_VALUE when none is pending.
     */
    long nextDeadlineNs()
    {
        return nextDeadlineNs;
    }

    long schedule(final long deadlineNs, final TimerTarget target)
    {
        final long timerId = wheel.scheduleTimer(deadlineNs);
        targets.put(timerId, target);
        nextDeadlineNs = Math.min(nextDeadlineNs, deadlineNs);
        return timerId;
    }

    void cancel(final long timerId)
    {
        if (timerId != DeadlineTimerWheel.NULL_DEADLINE)
        {
            wheel.cancelTimer(timerId);
            targets.remove(timerId);
        }
    }

    /**
     * Expire what is due (up to a bounded number per call, so a burst cannot starve I/O).
     *
     * @param nowNs the loop's clock.
     * @return timers expired.
     */
    int poll(final long nowNs)
    {
        this.nowNs = nowNs;
        if (wheel.timerCount() == 0)
        {
            // nothing pending: jump the wheel to now so a new timer does not wait for it to catch up
            wheel.currentTickTime(nowNs);
            nextDeadlineNs = Long.MAX_VALUE;
            return 0;
        }
        int expired = 0;
        int rounds = 0;
        do
        {
            expired += wheel.poll(nowNs, onTimerExpiry, TIMER_LIMIT);
        }
        while (wheel.currentTickTime() <= nowNs && ++rounds < TICKS_PER_WHEEL && expired < TIMER_LIMIT);
        if (wheel.timerCount() == 0)
        {
            nextDeadlineNs = Long.MAX_VALUE;
        }
        else if (nextDeadlineNs <= nowNs)
        {
            // the bound was used up (expired or cancelled timers): find the real earliest deadline once
            scannedEarliestNs = Long.MAX_VALUE;
            wheel.forEach(earliestFinder);
            nextDeadlineNs = scannedEarliestNs;
        }
        return expired;
    }

    private void noteDeadline(final long deadlineNs, final long timerId)
    {
        scannedEarliestNs = Math.min(scannedEarliestNs, deadlineNs);
    }

    private boolean onTimerExpiry(final TimeUnit unit, final long now, final long timerId)
    {
        final TimerTarget target = targets.remove(timerId);
        if (target != null)
        {
            try
            {
                target.onTimer(timerId, nowNs);
            }
            catch (final RuntimeException ex)
            {
                loop.countHandlerFailure(ex);
                if (target instanceof SelectHandler)
                {
                    ((SelectHandler)target).onFailure(ex);
                }
            }
        }
        return true;
    }
}
