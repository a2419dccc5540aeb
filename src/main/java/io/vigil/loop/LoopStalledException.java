package io.vigil.loop;

import java.util.concurrent.TimeUnit;

/**
 * An event loop made no progress for the stall timeout while not waiting for I/O. Carries the loop thread's
 * stack at the time it was noticed, which is where it is stuck.
 */
public final class LoopStalledException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param loop    the loop's name.
     * @param stallNs how long it made no progress.
     * @param thread  its thread, or null when unknown.
     */
    public LoopStalledException(final String loop, final long stallNs, final Thread thread)
    {
        super(loop + " made no progress for " + TimeUnit.NANOSECONDS.toMillis(stallNs) + " ms while not waiting " +
            "for I/O: it is stuck", null, false, true);
        if (thread != null)
        {
            setStackTrace(thread.getStackTrace());
        }
    }
}
