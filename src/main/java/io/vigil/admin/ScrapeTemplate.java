package io.vigil.admin;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vigil.admin.MetricFamily.HistogramSlots;
import io.vigil.admin.MetricFamily.Reading;
import io.vigil.admin.MetricFamily.Scrape;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Vigil's families in one exposition format, rendered by the Prometheus client once (when the label sets change)
 * and cut into what does not change between scrapes (metadata lines, each sample's name and escaped labels) and
 * the values, which {@link #render} writes into a reused buffer at every scrape without building the client's
 * model. The client stays authoritative: its output gives the order, the names, the escaping and every byte but
 * the numbers, and building fails ({@link IllegalStateException}) unless each number it wrote for the values of
 * that moment is the one {@link ScrapeBuffer} writes for them.
 */
final class ScrapeTemplate
{
    private static final byte[] OPEN_METRICS_END = "# EOF\n".getBytes(StandardCharsets.US_ASCII);

    /** Writes part of a scrape. */
    private interface Piece
    {
        void render(ScrapeBuffer out, Scrape now);
    }

    private final Piece[] pieces;

    private ScrapeTemplate(final Piece[] pieces)
    {
        this.pieces = pieces;
    }

    /**
     * @param out the buffer to append to.
     * @param now the scrape under way (its counters and clock).
     */
    void render(final ScrapeBuffer out, final Scrape now)
    {
        for (final Piece piece : pieces)
        {
            piece.render(out, now);
        }
    }

    /**
     * @param families Vigil's families.
     * @param writer   the client's writer for the format.
     * @param now      a scrape: the values the client renders while the template is cut.
     * @return the template.
     * @throws IOException           never in practice (the client writes to memory).
     * @throws IllegalStateException when the client's output is not shaped as expected.
     */
    static ScrapeTemplate build(final List<MetricFamily> families, final ExpositionFormatWriter writer,
        final Scrape now) throws IOException
    {
        final Map<String, MetricFamily> byName = new HashMap<>();
        final List<MetricSnapshot> snapshots = new ArrayList<>();
        for (final MetricFamily family : families)
        {
            byName.put(family.name(), family);
            snapshots.add(family.snapshot(now));
        }
        final List<Piece> pieces = new ArrayList<>();
        for (final MetricSnapshot snapshot : new MetricSnapshots(snapshots)) // the client's order
        {
            final MetricFamily family = byName.get(snapshot.getMetadata().getName());
            if (family == null)
            {
                throw new IllegalStateException("a family renamed by the client: " + snapshot.getMetadata().getName());
            }
            final Lines lines = new Lines(render(writer, snapshot));
            final Map<Labels, MetricFamily.Series> series = new HashMap<>();
            for (final MetricFamily.Series s : family.series())
            {
                series.put(s.labels(), s);
            }
            for (final DataPointSnapshot point : snapshot.getDataPoints())
            {
                final MetricFamily.Series s = series.get(point.getLabels());
                if (s == null)
                {
                    throw new IllegalStateException("labels changed by the client: " + point.getLabels());
                }
                if (point instanceof HistogramSnapshot.HistogramDataPointSnapshot)
                {
                    pieces.add(histogram(lines, (HistogramSnapshot.HistogramDataPointSnapshot)point, s.histogram()));
                }
                else
                {
                    final double value = point instanceof CounterSnapshot.CounterDataPointSnapshot ?
                        ((CounterSnapshot.CounterDataPointSnapshot)point).getValue() :
                        ((GaugeSnapshot.GaugeDataPointSnapshot)point).getValue();
                    pieces.add(value(lines.sample(number(value, true)), s.value()));
                }
            }
            final byte[] rest = lines.rest();
            if (rest.length > 0)
            {
                pieces.add((out, scrape) -> out.append(rest));
            }
        }
        return new ScrapeTemplate(pieces.toArray(new Piece[0]));
    }

    private static Piece value(final byte[] prefix, final Reading reading)
    {
        return (out, now) ->
        {
            out.append(prefix);
            out.appendDouble(reading.read(now));
            out.append((byte)'\n');
        };
    }

    private static Piece histogram(final Lines lines, final HistogramSnapshot.HistogramDataPointSnapshot point,
        final HistogramSlots slots)
    {
        final int buckets = slots.buckets();
        if (point.getClassicBuckets().size() != buckets || !point.hasCount() || !point.hasSum())
        {
            throw new IllegalStateException("histogram shaped unexpectedly: " + point.getLabels());
        }
        final byte[][] bucketPrefixes = new byte[buckets][];
        long cumulative = 0;
        for (int i = 0; i < buckets; i++)
        {
            cumulative += point.getClassicBuckets().getCount(i);
            bucketPrefixes[i] = lines.sample(number(cumulative, false));
        }
        final byte[] countPrefix = lines.sample(number(point.getCount(), false));
        final byte[] sumPrefix = lines.sample(number(point.getSum(), true));
        return (out, now) ->
        {
            long total = 0;
            for (int i = 0; i < buckets; i++)
            {
                total += slots.bucket(now, i);
                out.append(bucketPrefixes[i]);
                out.appendLong(total);
                out.append((byte)'\n');
            }
            out.append(countPrefix);
            out.appendLong(total);
            out.append((byte)'\n');
            out.append(sumPrefix);
            out.appendDouble(slots.sumSeconds(now));
            out.append((byte)'\n');
        };
    }

    private static String number(final double value, final boolean asDouble)
    {
        final ScrapeBuffer text = new ScrapeBuffer(32);
        if (asDouble)
        {
            text.appendDouble(value);
        }
        else
        {
            text.appendLong((long)value);
        }
        return new String(text.array(), 0, text.length(), StandardCharsets.US_ASCII);
    }

    /** One family alone, as the client writes it, without OpenMetrics' end marker (the scrape writes that once). */
    private static byte[] render(final ExpositionFormatWriter writer, final MetricSnapshot snapshot)
        throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out, MetricSnapshots.of(snapshot));
        return withoutEnd(out.toByteArray(), out.size());
    }

    /**
     * @param text   OpenMetrics or Prometheus text.
     * @param length its length.
     * @return its length without a final "# EOF" line.
     */
    static int lengthWithoutEnd(final byte[] text, final int length)
    {
        final int start = length - OPEN_METRICS_END.length;
        if (start < 0)
        {
            return length;
        }
        for (int i = 0; i < OPEN_METRICS_END.length; i++)
        {
            if (text[start + i] != OPEN_METRICS_END[i])
            {
                return length;
            }
        }
        return start;
    }

    static byte[] openMetricsEnd()
    {
        return OPEN_METRICS_END.clone();
    }

    private static byte[] withoutEnd(final byte[] text, final int length)
    {
        return Arrays.copyOf(text, lengthWithoutEnd(text, length));
    }

    /** The client's text for one family, read a line at a time: metadata lines gather in front of the next sample. */
    private static final class Lines
    {
        private final String text;
        private int at;

        Lines(final byte[] text)
        {
            this.text = new String(text, StandardCharsets.UTF_8);
        }

        /**
         * @param expected the value the sample must carry.
         * @return the metadata lines before the next sample and the sample up to its value, as bytes.
         */
        byte[] sample(final String expected)
        {
            final int start = at;
            while (at < text.length() && text.charAt(at) == '#')
            {
                final int eol = text.indexOf('\n', at);
                if (eol < 0)
                {
                    throw new IllegalStateException("an unterminated line: " + text.substring(at));
                }
                at = eol + 1;
            }
            final int end = text.indexOf('\n', at);
            if (end < 0)
            {
                throw new IllegalStateException("a sample is missing after: " + text.substring(start));
            }
            final int space = text.lastIndexOf(' ', end);
            final String written = text.substring(space + 1, end);
            if (space < at || !written.equals(expected))
            {
                throw new IllegalStateException("expected the value " + expected + " in: " + text.substring(at, end));
            }
            final byte[] prefix = text.substring(start, space + 1).getBytes(StandardCharsets.UTF_8);
            at = end + 1;
            return prefix;
        }

        byte[] rest()
        {
            final String rest = text.substring(at);
            for (final String line : rest.split("\n"))
            {
                if (!line.isEmpty() && !line.startsWith("#"))
                {
                    throw new IllegalStateException("a sample without a series: " + line);
                }
            }
            return rest.getBytes(StandardCharsets.UTF_8);
        }
    }
}
