package io.vigil.admin;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The JVM's and the process's metrics (GC, heap, threads, CPU, descriptors) from the Prometheus client's own JVM
 * instrumentation, rendered by its writers and kept for {@link #MAX_AGE_NS}: collecting them reads MXBeans and
 * /proc and allocates about 150 KB each time (measured: issue 11), which a scraper polling every second would
 * turn into a young collection every few seconds, stopping the data loops too. Admin thread only.
 */
final class JvmMetricsBlock
{
    /** How stale the JVM's figures may be: a scraper polling more often than this gets the same figures. */
    static final long MAX_AGE_NS = TimeUnit.SECONDS.toNanos(10);

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Rendered text = new Rendered();
    private final Rendered openMetrics = new Rendered();
    private int renders;

    JvmMetricsBlock()
    {
        JvmMetrics.builder().register(registry);
    }

    /**
     * @return the JVM's metrics now, in the client's model.
     */
    MetricSnapshots collect()
    {
        return registry.scrape();
    }

    /**
     * Append the JVM's metrics, rendered again when older than {@link #MAX_AGE_NS}.
     *
     * @param out         the scrape's buffer.
     * @param writer      the client's writer for the format.
     * @param openMetrics whether the format is OpenMetrics (its end marker is left to the caller).
     * @param nowNs       the scrape's clock.
     * @throws IOException never in practice (writing to memory).
     */
    void appendTo(final ScrapeBuffer out, final ExpositionFormatWriter writer, final boolean openMetrics,
        final long nowNs) throws IOException
    {
        final Rendered rendered = openMetrics ? this.openMetrics : text;
        if (!rendered.valid || nowNs - rendered.atNs >= MAX_AGE_NS)
        {
            rendered.reset();
            writer.write(rendered, registry.scrape());
            rendered.length = ScrapeTemplate.lengthWithoutEnd(rendered.bytes(), rendered.size());
            rendered.atNs = nowNs;
            rendered.valid = true;
            renders++;
        }
        out.append(rendered.bytes(), 0, rendered.length);
    }

    /**
     * @return how many times the JVM's metrics were collected and rendered so far.
     */
    int renders()
    {
        return renders;
    }

    /** One format's rendering, its array reused from one refresh to the next. */
    private static final class Rendered extends ByteArrayOutputStream
    {
        private boolean valid;
        private long atNs;
        private int length;

        Rendered()
        {
            super(32 * 1024);
        }

        byte[] bytes()
        {
            return buf;
        }
    }
}
