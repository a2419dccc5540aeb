package io.vigil.stats;

/**
 * Slots of an upstream group's block, relative to its base.
 */
public final class UpstreamCounters
{
    /** Requests sent over a pooled (reused) connection. */
    public static final int POOL_REUSES = 0;
    /** Idle pooled connections now (a gauge each loop keeps for its own pool). */
    public static final int POOL_IDLE = 1;
    /** Pooled connections evicted because the server closed, reset or sent stray bytes. */
    public static final int POOL_EVICTED_BY_PEER = 2;
    /** Time from connect() to connected, seconds. */
    public static final int CONNECT_DURATION = 3;
    /** Slots in the block. */
    public static final int SIZE = CONNECT_DURATION + Histogram.CONNECT_SECONDS.slots();

    private UpstreamCounters()
    {
    }
}
