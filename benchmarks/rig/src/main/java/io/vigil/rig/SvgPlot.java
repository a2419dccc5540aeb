package io.vigil.rig;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.Locale;

/**
 * Latency by percentile as an SVG a person can open in a browser: the x axis stretches the tail the way
 * HdrHistogram's plotter does (log of 1/(1-p): 0%, 90%, 99%, 99.9%, ...), the y axis is milliseconds. The
 * corrected curve is drawn solid; for open-loop runs the latency from the actual send is drawn dashed, so
 * what coordinated omission would have hidden is the gap between them.
 */
final class SvgPlot
{
    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final double MAX_NINES = 5; // 99.999%

    private SvgPlot()
    {
    }

    static String render(final String title, final LoadRun.Result result, final boolean withUncorrected)
    {
        final Histogram corrected = result.corrected();
        final double step = niceStep(Math.max(0.001, corrected.getMaxValue() / 1e6) / 5);
        final double maxMs = step * Math.max(1, Math.ceil(corrected.getMaxValue() / 1e6 / step));
        final StringBuilder svg = new StringBuilder(16 * 1024);
        svg.append(String.format(Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" " +
            "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\">%s</text>\n", LEFT,
            escape(title)));
        axes(svg, maxMs, step);
        curve(svg, corrected, maxMs, "#1f5fbf", "");
        if (withUncorrected)
        {
            curve(svg, result.uncorrected(), maxMs, "#d0661a", " stroke-dasharray=\"6 4\"");
        }
        legend(svg, withUncorrected);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static double x(final double percentile)
    {
        final double nines = percentile >= 100 ? MAX_NINES : Math.min(MAX_NINES, Math.log10(100 / (100 - percentile)));
        return LEFT + nines / MAX_NINES * (WIDTH - LEFT - RIGHT);
    }

    private static double y(final double ms, final double maxMs)
    {
        return HEIGHT - BOTTOM - ms / maxMs * (HEIGHT - TOP - BOTTOM);
    }

    /** The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least {@code raw}: readable ticks. */
    static double niceStep(final double raw)
    {
        final double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (final double factor : new double[] {1, 2, 2.5, 5, 10})
        {
            if (factor * magnitude >= raw * (1 - 1e-9))
            {
                return factor * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static void axes(final StringBuilder svg, final double maxMs, final double step)
    {
        final int plotBottom = HEIGHT - BOTTOM;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
            LEFT, TOP, LEFT, plotBottom));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
            LEFT, plotBottom, WIDTH - RIGHT, plotBottom));
        final String[] labels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
        for (int i = 0; i < labels.length; i++)
        {
            final double px = LEFT + i / MAX_NINES * (WIDTH - LEFT - RIGHT);
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>" +
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                px, TOP, px, plotBottom, px, plotBottom + 18, labels[i]));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>\n",
            (WIDTH + LEFT) / 2, HEIGHT - 15));
        final int ticks = (int)Math.round(maxMs / step);
        for (int i = 0; i <= ticks; i++)
        {
            final double ms = step * i;
            final double py = y(ms, maxMs);
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>" +
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                LEFT, py, WIDTH - RIGHT, py, LEFT - 6, py + 4, formatMs(ms)));
        }
        svg.append(String.format(Locale.ROOT,
            "<text x=\"18\" y=\"%d\" transform=\"rotate(-90 18 %d)\" text-anchor=\"middle\">latency (ms)</text>\n",
            (HEIGHT) / 2, (HEIGHT) / 2));
    }

    private static void curve(
        final StringBuilder svg, final Histogram histogram, final double maxMs, final String color, final String dash)
    {
        if (histogram.getTotalCount() == 0)
        {
            return;
        }
        svg.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\"").append(dash)
            .append(" points=\"");
        for (final HistogramIterationValue v : histogram.percentiles(5))
        {
            final double p = Math.min(v.getPercentileLevelIteratedTo(), 99.9999);
            svg.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(p),
                y(histogram.highestEquivalentValue(v.getValueIteratedTo()) / 1e6, maxMs)));
        }
        svg.append("\"/>\n");
    }

    private static void legend(final StringBuilder svg, final boolean withUncorrected)
    {
        final int lx = LEFT + 20;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f5fbf\" " +
            "stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">%s</text>\n", lx, TOP + 10, lx + 30, TOP + 10, lx + 36,
            TOP + 14, withUncorrected ? "latency from intended send time (corrected)" : "latency"));
        if (withUncorrected)
        {
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d0661a\" " +
                "stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%d\">latency from actual send " +
                "(what coordinated omission shows)</text>\n", lx, TOP + 28, lx + 30, TOP + 28, lx + 36, TOP + 32));
        }
    }

    private static String formatMs(final double ms)
    {
        // drop trailing zeros: 0.25, 0.5, 2, 2.5, 10
        final String text = String.format(Locale.ROOT, "%.3f", ms).replaceAll("0+$", "");
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }

    private static String escape(final String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
