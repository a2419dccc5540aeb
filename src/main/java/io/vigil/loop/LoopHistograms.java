package io.vigil.loop;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * Where a loop spends its wake-ups, for debugging its idle strategy (off unless
 * {@code -Dvigil.loop.histograms=true}): per blocking select, the time blocked until the first key (or the
 * timeout), the keys it dispatched, and the time from that wake-up until the loop blocks again (handling the keys,
 * commands and timers). Recording allocates nothing; the loop prints a summary to stderr when it closes. Loop
 * thread only.
 */
final class LoopHistograms
{
    /** The debug switch, read once. */
    static final boolean ENABLED = Boolean.getBoolean("vigil.loop.histograms");
    private static final long MAX_NS = TimeUnit.HOURS.toNanos(1);

    private final Histogram blockedNs = new Histogram(MAX_NS, 2);
    private final Histogram keysPerSelect = new Histogram(1 << 20, 2);
    private final Histogram workingNs = new Histogram(MAX_NS, 2);
    private long wokeNs;

    /**
     * A blocking select returned.
     *
     * @param startNs when it began.
     * @param wakeNs  when it woke: the first key's dispatch, or its return when it dispatched none.
     * @param keys    keys it dispatched.
     */
    void selected(final long startNs, final long wakeNs, final int keys)
    {
        if (wokeNs != 0)
        {
            workingNs.recordValue(Math.min(MAX_NS, Math.max(0, startNs - wokeNs)));
        }
        blockedNs.recordValue(Math.min(MAX_NS, Math.max(0, wakeNs - startNs)));
        keysPerSelect.recordValue(Math.min(1 << 20, keys));
        wokeNs = wakeNs;
    }

    void print(final String loop, final PrintStream out)
    {
        out.printf("%s: %d blocking selects; keys per select p50 %d p90 %d p99 %d max %d; blocked us p50 %d p99 %d " +
            "max %d; working us after a wake-up p50 %d p99 %d p99.9 %d max %d%n", loop, blockedNs.getTotalCount(),
            keysPerSelect.getValueAtPercentile(50), keysPerSelect.getValueAtPercentile(90),
            keysPerSelect.getValueAtPercentile(99), keysPerSelect.getMaxValue(),
            micros(blockedNs, 50), micros(blockedNs, 99), blockedNs.getMaxValue() / 1000,
            micros(workingNs, 50), micros(workingNs, 99), micros(workingNs, 99.9), workingNs.getMaxValue() / 1000);
    }

    private static long micros(final Histogram histogram, final double percentile)
    {
        return histogram.getValueAtPercentile(percentile) / 1000;
    }
}
