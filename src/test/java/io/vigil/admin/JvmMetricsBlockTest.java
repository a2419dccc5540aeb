package io.vigil.admin;

import io.prometheus.metrics.expositionformats.ExpositionFormats;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM's metrics are collected again once they are {@link JvmMetricsBlock#MAX_AGE_NS} old, not before, per
 * format; OpenMetrics' end marker is left to the scrape.
 */
class JvmMetricsBlockTest
{
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final JvmMetricsBlock jvm = new JvmMetricsBlock();

    private String append(final boolean openMetrics, final long nowNs) throws Exception
    {
        final ScrapeBuffer out = new ScrapeBuffer(1024);
        jvm.appendTo(out, openMetrics ? formats.getOpenMetricsTextFormatWriter() :
            formats.getPrometheusTextFormatWriter(), openMetrics, nowNs);
        return new String(out.array(), 0, out.length(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldCollectAgainOnlyOnceTheFiguresAreTooOld() throws Exception
    {
        final long start = 1_000_000_000L;
        final String first = append(false, start);
        assertTrue(first.contains("\njvm_memory_used_bytes{area=\"heap\"} "), first);
        assertEquals(1, jvm.renders());
        assertEquals(first, append(false, start + JvmMetricsBlock.MAX_AGE_NS - 1));
        assertEquals(1, jvm.renders(), "still fresh: the same bytes");
        append(false, start + JvmMetricsBlock.MAX_AGE_NS);
        assertEquals(2, jvm.renders(), "old: collected again");
    }

    @Test
    void shouldKeepEachFormatApartAndLeaveTheEndMarkerOut() throws Exception
    {
        final String text = append(false, 0);
        final String openMetrics = append(true, 0);
        assertEquals(2, jvm.renders());
        assertTrue(openMetrics.startsWith("# TYPE "), openMetrics);
        assertFalse(openMetrics.contains("# EOF"), openMetrics);
        assertTrue(text.startsWith("# HELP "), text);
    }
}
