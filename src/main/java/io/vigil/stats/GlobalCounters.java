package io.vigil.stats;

/**
 * Slots of the process block (base 0).
 */
public final class GlobalCounters
{
    /** Handler exceptions a loop caught (a bug, or an I/O failure outside a session's own handling). */
    public static final int HANDLER_FAILURES = 0;
    /** accept(2) calls that failed (EMFILE and the like). */
    public static final int ACCEPT_FAILURES = 1;
    /** Loop duty cycles (a liveness signal). */
    public static final int DUTY_CYCLES = 2;
    /** Buffers given back to a loop's pool that it had not lent (a double release: a bug), refused. */
    public static final int BUFFER_POOL_REFUSED_RELEASES = 3;
    /** Slots in the block. */
    public static final int SIZE = 4;

    private GlobalCounters()
    {
    }
}
