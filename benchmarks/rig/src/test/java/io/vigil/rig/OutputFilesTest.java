package io.vigil.rig;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run's files parse as what they claim to be, and say the same as the in-memory result: summary.json is
 * strict JSON, latency.hgrm is HdrHistogram's percentile distribution, latency.svg is an SVG document.
 */
class OutputFilesTest
{
    @TempDir
    Path dir;

    @Test
    void summaryHgrmAndSvgParseAndAgree() throws Exception
    {
        final LoadRun.Result result;
        final LoadRun.Settings settings;
        try (EchoServer server = new EchoServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            TimeUnit.MILLISECONDS.toNanos(1)))
        {
            settings = new LoadRun.Settings(server.address(), 500, TimeUnit.SECONDS.toNanos(1),
                TimeUnit.MILLISECONDS.toNanos(200), 4, 1, new TcpProtocol(100, 300), false);
            result = LoadRun.run(settings, null);
        }
        final ByteArrayOutputStream table = new ByteArrayOutputStream();
        Report.write(dir, "test \"run\"", settings, result, new PrintStream(table, true, StandardCharsets.UTF_8));

        final Config json = ConfigFactory.parseFile(dir.resolve("summary.json").toFile(),
            ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
        assertEquals(result.completed(), json.getLong("requests"));
        assertEquals(result.errors(), json.getLong("errors"));
        assertEquals("open-loop", json.getString("mode"));
        assertEquals("test \"run\"", json.getString("description"));
        assertEquals(result.corrected().getValueAtPercentile(99) / 1000.0, json.getDouble("latency_us.p99"), 0.001);
        assertTrue(json.getDouble("latency_us.p50") >= 1000, "1 ms server delay in microseconds");
        for (final String key : List.of("p50", "p90", "p99", "p99_9", "p99_99", "max", "mean"))
        {
            assertTrue(json.hasPath("latency_us." + key) && json.hasPath("latency_from_send_us." + key), key);
        }

        final List<String> hgrm = Files.readAllLines(dir.resolve("latency.hgrm"));
        double lastPercentile = -1;
        long lastCount = -1;
        double lastValue = -1;
        int rows = 0;
        for (final String line : hgrm)
        {
            final String[] cols = line.trim().split("\\s+");
            if (cols.length < 3 || !Character.isDigit(cols[0].charAt(0)))
            {
                continue;
            }
            final double value = Double.parseDouble(cols[0]);
            final double percentile = Double.parseDouble(cols[1]);
            final long count = Long.parseLong(cols[2]);
            assertTrue(value >= lastValue && percentile >= lastPercentile && count >= lastCount, line);
            lastValue = value;
            lastPercentile = percentile;
            lastCount = count;
            rows++;
        }
        assertTrue(rows > 10, "percentile rows: " + rows);
        assertEquals(1.0, lastPercentile, 1e-9);
        assertEquals(result.completed(), lastCount);
        assertTrue(hgrm.stream().anyMatch(l -> l.startsWith("#[Max")), "footer");
        assertEquals(result.corrected().getMaxValue() / 1000.0, lastValue, 0.01, "max in microseconds");

        final Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(dir.resolve("latency.svg").toFile());
        assertEquals("svg", svg.getDocumentElement().getNodeName());
        assertEquals(2, svg.getElementsByTagName("polyline").getLength(), "corrected and from-send curves");

        final String printed = table.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("99.90%") && printed.contains("max"), printed);
    }

    @Test
    void plotTicksAreRoundNumbers()
    {
        assertEquals(1.0, SvgPlot.niceStep(1.0), 1e-12);
        assertEquals(5.0, SvgPlot.niceStep(2.6), 1e-12);
        assertEquals(2.5, SvgPlot.niceStep(2.1), 1e-12);
        assertEquals(0.5, SvgPlot.niceStep(0.3), 1e-12);
        assertEquals(20.0, SvgPlot.niceStep(12), 1e-12);
    }
}
