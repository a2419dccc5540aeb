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
    /** Requests sent again on a fresh connection because the reused one failed before answering. */
    public static final int POOL_RETRIES = 3;
    /** Time from connect() to connected, seconds. */
    public static final int CONNECT_DURATION = 4;
    /** Slots in the block. */
    public static final int SIZE = CONNECT_DURATION + Histogram.CONNECT_SECONDS.slots();

    private UpstreamCounters()
    {
    }
}
