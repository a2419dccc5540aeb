package io.vigil.rig;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a run's results: {@code summary.json}, {@code latency.hgrm} and {@code latency-uncorrected.hgrm}
 * (HdrHistogram percentile distributions in microseconds), {@code latency.svg} (latency by percentile), and a
 * percentile table on stdout.
 */
final class Report
{
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};

    private Report()
    {
    }

    /**
     * @param dir         output directory (created).
     * @param description what ran, e.g. "tcp 127.0.0.1:7000 rate 10000/s".
     * @param settings    the settings.
     * @param result      the measurements.
     * @param out         where the table goes.
     * @throws IOException when a file cannot be written.
     */
    static void write(
        final Path dir, final String description, final LoadRun.Settings settings, final LoadRun.Result result,
        final PrintStream out) throws IOException
    {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("summary.json"), json(description, settings, result));
        writeHgrm(dir.resolve("latency.hgrm"), result.corrected());
        writeHgrm(dir.resolve("latency-uncorrected.hgrm"), result.uncorrected());
        Files.writeString(dir.resolve("latency.svg"), SvgPlot.render(description, result, settings.rate() > 0));
        table(description, settings, result, out);
        out.println("  wrote " + dir.resolve("summary.json") + ", latency.hgrm, latency-uncorrected.hgrm, latency.svg");
    }

    static void writeHgrm(final Path file, final Histogram histogram) throws IOException
    {
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.US_ASCII))
        {
            if (histogram.getTotalCount() > 0)
            {
                histogram.outputPercentileDistribution(ps, 5, 1000.0); // ns recorded, microseconds written
            }
        }
    }

    private static void table(
        final String description, final LoadRun.Settings settings, final LoadRun.Result result, final PrintStream out)
    {
        final boolean openLoop = settings.rate() > 0;
        out.println(description);
        out.printf(Locale.ROOT, "  %,d responses in %.1f s: %,.0f/s achieved%s, %d errors%n", result.completed(),
            result.measuredNs() / 1e9, result.achievedRate(),
            openLoop ? String.format(Locale.ROOT, " of %,.0f/s intended", settings.rate()) : " (closed loop)",
            result.errors());
        out.println(openLoop ? "  percentile   latency us   from-send us" : "  percentile   latency us");
        for (final double p : PERCENTILES)
        {
            row(out, String.format(Locale.ROOT, "%.2f%%", p), us(result.corrected().getValueAtPercentile(p)),
                us(result.uncorrected().getValueAtPercentile(p)), openLoop);
        }
        row(out, "max", us(result.corrected().getMaxValue()), us(result.uncorrected().getMaxValue()), openLoop);
        if (openLoop)
        {
            out.printf(Locale.ROOT, "  generator send lag: p99 %.0f us, max %.0f us%s%n",
                us(result.sendLag().getValueAtPercentile(99)), us(result.sendLag().getMaxValue()),
                us(result.sendLag().getValueAtPercentile(99)) > 1000 ?
                    "  (the generator itself is late: results overstate the server's latency)" : "");
        }
    }

    private static void row(
        final PrintStream out, final String label, final double corrected, final double uncorrected,
        final boolean both)
    {
        if (both)
        {
            out.printf(Locale.ROOT, "  %-10s %12.0f %14.0f%n", label, corrected, uncorrected);
        }
        else
        {
            out.printf(Locale.ROOT, "  %-10s %12.0f%n", label, corrected);
        }
    }

    static double us(final long ns)
    {
        return ns / 1000.0;
    }

    static String json(final String description, final LoadRun.Settings settings, final LoadRun.Result result)
    {
        final StringBuilder json = new StringBuilder(1024);
        json.append("{\n");
        field(json, "tool", quote("vigil-bench"));
        field(json, "description", quote(description));
        field(json, "protocol", quote(settings.protocol().name()));
        field(json, "target", quote(settings.target().getHostString() + ":" + settings.target().getPort()));
        field(json, "mode", quote(settings.rate() > 0 ? "open-loop" : "closed-loop"));
        field(json, "intended_rate", number(settings.rate()));
        field(json, "achieved_rate", number(result.achievedRate()));
        field(json, "connections", Integer.toString(settings.connections()));
        field(json, "new_connection_per_request", Boolean.toString(settings.newConnPerRequest()));
        field(json, "duration_s", number(settings.durationNs() / 1e9));
        field(json, "warmup_s", number(settings.warmupNs() / 1e9));
        field(json, "requests", Long.toString(result.completed()));
        field(json, "errors", Long.toString(result.errors()));
        field(json, "latency_us", latency(result.corrected()));
        field(json, "latency_from_send_us", latency(result.uncorrected()));
        json.append("  \"send_lag_us\": ").append(latency(result.sendLag())).append("\n}\n");
        return json.toString();
    }

    private static String latency(final Histogram h)
    {
        return String.format(Locale.ROOT,
            "{\"p50\": %s, \"p90\": %s, \"p99\": %s, \"p99_9\": %s, \"p99_99\": %s, \"max\": %s, \"mean\": %s}",
            number(us(h.getValueAtPercentile(50))), number(us(h.getValueAtPercentile(90))),
            number(us(h.getValueAtPercentile(99))), number(us(h.getValueAtPercentile(99.9))),
            number(us(h.getValueAtPercentile(99.99))), number(us(h.getMaxValue())), number(h.getMean() / 1000.0));
    }

    private static void field(final StringBuilder json, final String name, final String value)
    {
        json.append("  \"").append(name).append("\": ").append(value).append(",\n");
    }

    private static String number(final double value)
    {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "null";
    }

    private static String quote(final String text)
    {
        final StringBuilder quoted = new StringBuilder("\"");
        for (final char c : text.toCharArray())
        {
            if (c == '"' || c == '\\')
            {
                quoted.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                quoted.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
            }
            else
            {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
