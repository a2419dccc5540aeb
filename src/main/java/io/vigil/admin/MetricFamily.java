package io.vigil.admin;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.vigil.stats.Histogram;
import io.vigil.stats.StatsLayout;
import io.vigil.stats.StatsSnapshot;

import java.util.List;

/**
 * One metric family as Vigil describes it: its name, help and type, and each series' labels with where its value
 * comes from. Built when the label sets change (start, reload, re-resolution), read at every scrape:
 * {@link #snapshot} turns it into the Prometheus client's model with the values of now (the reference rendering),
 * {@link ScrapeTemplate} renders the same values without building that model.
 *
 * @param name   the family's name (a counter's without {@code _total}: the client adds it).
 * @param help   its help text.
 * @param type   counter, gauge or histogram.
 * @param series its series, in any order (the client sorts them).
 */
record MetricFamily(String name, String help, Type type, List<Series> series)
{
    /** The kinds of families Vigil exposes. */
    enum Type
    {
        COUNTER, GAUGE, HISTOGRAM
    }

    /** Where a counter's or gauge's value comes from, read at scrape time. Admin thread; must not allocate. */
    @FunctionalInterface
    interface Reading
    {
        /**
         * @param now the scrape under way.
         * @return the value now.
         */
        double read(Scrape now);
    }

    /**
     * What a scrape reads values from: the counters summed over the loops, and its clock. Reused; admin thread.
     */
    static final class Scrape
    {
        StatsSnapshot stats;
        long nowNs;
    }

    /**
     * A histogram's slots in a stats block: one count per bucket (the last one +Inf), and the sum in microseconds.
     *
     * @param histogram the bucket bounds.
     * @param block     the block holding it.
     * @param base      the offset of its first bucket within the block.
     */
    record HistogramSlots(Histogram histogram, StatsLayout.Block block, int base)
    {
        int buckets()
        {
            return histogram.bounds().length + 1;
        }

        long bucket(final Scrape now, final int index)
        {
            return now.stats.get(block, base + index);
        }

        double sumSeconds(final Scrape now)
        {
            return now.stats.get(block, base + histogram.sumSlot()) / 1e6;
        }
    }

    /**
     * One series.
     *
     * @param labels    its labels.
     * @param value     a counter's or gauge's value, null for a histogram.
     * @param histogram a histogram's slots, null otherwise.
     */
    record Series(Labels labels, Reading value, HistogramSlots histogram)
    {
    }

    /**
     * @param now the scrape under way.
     * @return this family with the values of now, in the client's model.
     */
    MetricSnapshot snapshot(final Scrape now)
    {
        switch (type)
        {
            case COUNTER:
                final CounterSnapshot.Builder counter = CounterSnapshot.builder().name(name).help(help);
                for (final Series s : series)
                {
                    counter.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(s.labels())
                        .value(s.value().read(now)).build());
                }
                return counter.build();
            case GAUGE:
                final GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help);
                for (final Series s : series)
                {
                    gauge.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(s.labels())
                        .value(s.value().read(now)).build());
                }
                return gauge.build();
            default:
                final HistogramSnapshot.Builder histogram = HistogramSnapshot.builder().name(name).help(help);
                for (final Series s : series)
                {
                    histogram.dataPoint(histogramPoint(s.labels(), s.histogram(), now));
                }
                return histogram.build();
        }
    }

    private static HistogramSnapshot.HistogramDataPointSnapshot histogramPoint(
        final Labels labels, final HistogramSlots slots, final Scrape now)
    {
        final double[] finite = slots.histogram().bounds();
        final double[] bounds = new double[finite.length + 1];
        System.arraycopy(finite, 0, bounds, 0, finite.length);
        bounds[finite.length] = Double.POSITIVE_INFINITY;
        final long[] counts = new long[bounds.length];
        for (int i = 0; i < counts.length; i++)
        {
            counts[i] = slots.bucket(now, i);
        }
        return HistogramSnapshot.HistogramDataPointSnapshot.builder()
            .labels(labels)
            .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
            .sum(slots.sumSeconds(now))
            .build();
    }
}
