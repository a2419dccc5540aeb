package io.vigil.loop;

import org.agrona.DeadlineTimerWheel;

/**
 * The loop's watched {@link LivenessCheck}s, walked by one timer per interval. A timer per check would put every
 * check started in one burst (say, thousands of sessions half-closed within a tick) into one tick slot of the
 * timer wheel, and Agrona's wheel doubles the slots of all 1,024 ticks when one overflows and never shrinks: 8 KiB
 * per burst timer, kept for the life of the process. Here a burst costs an array slot each, given back once the
 * checks are dropped. A check is first asked within one interval of being watched, then every interval. Loop
 * thread only.
 */
final class LivenessChecks implements TimerTarget
{
    private static final int MIN_CAPACITY = 16;

    private final EventLoop loop;
    private final long intervalNs;
    private LivenessCheck[] checks = new LivenessCheck[MIN_CAPACITY];
    private int count;
    private long timerId = DeadlineTimerWheel.NULL_DEADLINE;

    LivenessChecks(final EventLoop loop, final long intervalNs)
    {
        this.loop = loop;
        this.intervalNs = intervalNs;
    }

    void watch(final LivenessCheck check)
    {
        if (count == checks.length)
        {
            resize(checks.length * 2);
        }
        checks[count++] = check;
        if (timerId == DeadlineTimerWheel.NULL_DEADLINE)
        {
            timerId = loop.schedule(loop.nowNs() + intervalNs, this);
        }
    }

    @Override
    public void onTimer(final long firedTimerId, final long nowNs)
    {
        timerId = DeadlineTimerWheel.NULL_DEADLINE;
        int i = 0;
        while (i < count) // checks watched during the walk are appended, and asked in this round too
        {
            final LivenessCheck check = checks[i];
            boolean keep;
            try
            {
                keep = check.checkLiveness(nowNs);
            }
            catch (final RuntimeException ex)
            {
                // one failing check must not stop the others: each is a socket nobody else watches
                loop.countHandlerFailure(ex);
                if (check instanceof SelectHandler)
                {
                    ((SelectHandler)check).onFailure(ex);
                }
                keep = false;
            }
            if (keep)
            {
                i++;
            }
            else
            {
                checks[i] = checks[--count];
                checks[count] = null;
            }
        }
        if (checks.length > MIN_CAPACITY && count < checks.length / 4)
        {
            // a burst is over: give its slots back (the walk stops when none are left, so shrink all at once)
            resize(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, count)) * 2));
        }
        if (count > 0)
        {
            timerId = loop.schedule(nowNs + intervalNs, this);
        }
    }

    private void resize(final int capacity)
    {
        final LivenessCheck[] resized = new LivenessCheck[capacity];
        System.arraycopy(checks, 0, resized, 0, count);
        checks = resized;
    }

    int count()
    {
        return count;
    }

    int capacity()
    {
        return checks.length;
    }
}
