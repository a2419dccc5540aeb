package io.vigil.admin;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vigil.runtime.VigilServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * {@code /metrics}: Vigil's counters as Prometheus metrics, through Prometheus' own Java client. The client's
 * registry holds its JVM instrumentation (GC, heap, threads) and one collector over Vigil's counters that sums the
 * loops at scrape time ({@link MetricFamilies}), so the data path pays nothing for being scraped. The writer is
 * chosen from the Accept header: Prometheus text, or OpenMetrics when asked.
 */
final class Metrics
{
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();

    /**
     * @param server  the running server whose counters to expose.
     * @param version Vigil's version, for vigil_build_info.
     */
    Metrics(final VigilServer server, final String version)
    {
        JvmMetrics.builder().register(registry);
        final MetricFamilies families = new MetricFamilies(server, version);
        registry.register((MultiCollector)families::collect);
    }

    /**
     * @param accept the request's Accept header, or null.
     * @return the scrape in the format asked for.
     * @throws IOException never in practice (writing to memory).
     */
    AdminResponse scrape(final String accept) throws IOException
    {
        final ExpositionFormatWriter writer = formats.findWriter(accept);
        final MetricSnapshots snapshots = registry.scrape();
        final ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        writer.write(out, snapshots);
        return new AdminResponse(200, writer.getContentType(), out.toByteArray());
    }
}
