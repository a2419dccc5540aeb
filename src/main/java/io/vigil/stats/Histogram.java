package io.vigil.stats;

/**
 * A histogram kept as counter slots, Prometheus style: one slot per bucket (cumulative at exposition, not here),
 * one for +Inf, one for the sum in microseconds and one for the count. Recording is a short scan of the bounds
 * and three adds: no allocation, no lock.
 */
public enum Histogram
{
    /** Session lifetimes, from a second to a day. */
    SESSION_SECONDS(0.01, 0.1, 1, 10, 60, 300, 1800, 3600, 21600, 86400),
    /** Upstream connect times. */
    CONNECT_SECONDS(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
    /** Upstream response times (request sent to response head). */
    RESPONSE_SECONDS(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60);

    private final double[] bounds;
    private final long[] boundsNs;

    Histogram(final double... bounds)
    {
        this.bounds = bounds;
        this.boundsNs = new long[bounds.length];
        for (int i = 0; i < bounds.length; i++)
        {
            boundsNs[i] = Math.round(bounds[i] * 1e9);
        }
    }

    /**
     * @return upper bounds in seconds, +Inf excluded.
     */
    public double[] bounds()
    {
        return bounds.clone();
    }

    /**
     * @return slots used: buckets, +Inf, sum (µs), count.
     */
    public int slots()
    {
        return bounds.length + 3;
    }

    /**
     * @return offset of the sum slot (microseconds).
     */
    public int sumSlot()
    {
        return bounds.length + 1;
    }

    /**
     * @return offset of the count slot.
     */
    public int countSlot()
    {
        return bounds.length + 2;
    }

    /**
     * Record one value. Call on the counters' loop.
     *
     * @param counters the loop's counters.
     * @param base     the histogram's first slot.
     * @param valueNs  the value in nanoseconds.
     */
    public void record(final LoopCounters counters, final int base, final long valueNs)
    {
        int bucket = 0;
        while (bucket < boundsNs.length && valueNs > boundsNs[bucket])
        {
            bucket++;
        }
        counters.increment(base + bucket);
        counters.add(base + sumSlot(), valueNs / 1000);
        counters.increment(base + countSlot());
    }
}
