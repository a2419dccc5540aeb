package io.vigil.session;

/**
 * How long a paused acceptor waits before it tries again after a failed accept (EMFILE). Normally the fallback
 * pause, cut short by the next close anywhere. But when a close's wake-up let it try and that try failed again,
 * something else took the freed descriptor first (the JVM itself opens cgroup files now and then): the next try then
 * comes soon, after a delay that doubles up to the fallback, and starts over from the shortest once an accept
 * succeeds. The delay saturates: however many tries fail, it never reaches zero (which would spin the loop).
 * Loop thread only.
 */
final class AcceptRetry
{
    private final long quickNs;
    private final long fallbackNs;
    private long nextQuickNs;
    private boolean resumedByClose;

    /**
     * @param quickNs    the first delay after a failed try that a close let through.
     * @param fallbackNs the pause when no close is seen; the longest delay.
     */
    AcceptRetry(final long quickNs, final long fallbackNs)
    {
        this.quickNs = Math.max(1, Math.min(quickNs, fallbackNs));
        this.fallbackNs = Math.max(fallbackNs, this.quickNs);
        this.nextQuickNs = this.quickNs;
    }

    /**
     * Accepting resumed because a socket was closed somewhere.
     */
    void resumedByClose()
    {
        resumedByClose = true;
    }

    /**
     * A socket was accepted: the next failure is a new episode.
     */
    void accepted()
    {
        resumedByClose = false;
        nextQuickNs = quickNs;
    }

    /**
     * @return how long to pause after a failed accept, in ns: between the quick delay and the fallback, never less.
     */
    long pauseAfterFailure()
    {
        if (!resumedByClose)
        {
            return fallbackNs;
        }
        final long pauseNs = nextQuickNs;
        nextQuickNs = Math.min(nextQuickNs * 2, fallbackNs);
        // the quick tries go on (through the timer) until one accepts or they have grown to the full pause
        resumedByClose = pauseNs < fallbackNs;
        return pauseNs;
    }
}
