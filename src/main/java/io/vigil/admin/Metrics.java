package io.vigil.admin;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vigil.admin.MetricFamily.Scrape;
import io.vigil.log.Log;
import io.vigil.runtime.VigilServer;
import io.vigil.stats.StatsLayout;
import io.vigil.upstream.UpstreamGroup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code /metrics}: Vigil's counters and the JVM's as Prometheus text, or OpenMetrics when the Accept header asks
 * for it, in the Prometheus Java client's formats. A scrape reads the loops' counters summed at that moment (the
 * data path pays nothing for being scraped) and renders them into a reused buffer through a
 * {@link ScrapeTemplate} the client's writer cut, rebuilt only when the label sets change; the JVM's figures come
 * from {@link JvmMetricsBlock}. So a steady scrape allocates a few KB rather than the ~450 KB of building the
 * client's model each time (issue 11), and causes no young collections that would stop the data loops too.
 * Should the client's output ever not fit a template, or another format be asked for, the client renders the
 * whole scrape. Admin thread only.
 */
final class Metrics
{
    private final VigilServer server;
    private final MetricFamilies describer;
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final JvmMetricsBlock jvm = new JvmMetricsBlock();
    private final ScrapeBuffer out = new ScrapeBuffer(64 * 1024);
    private final byte[] openMetricsEnd = ScrapeTemplate.openMetricsEnd();
    private final Scrape now = new Scrape();
    private List<MetricFamily> families;
    private List<StatsLayout.Block> describedBlocks;
    private Object[] describedGroups = new Object[0];
    private ScrapeTemplate text;
    private ScrapeTemplate openMetrics;
    private boolean templatesFailed;

    /**
     * @param server  the running server whose counters to expose.
     * @param version Vigil's version, for vigil_build_info.
     */
    Metrics(final VigilServer server, final String version)
    {
        this.server = server;
        this.describer = new MetricFamilies(server, version);
    }

    /**
     * @param accept the request's Accept header, or null.
     * @return the scrape in the format asked for; its body is this object's buffer, valid until the next scrape.
     * @throws IOException never in practice (writing to memory).
     */
    AdminResponse scrape(final String accept) throws IOException
    {
        final ExpositionFormatWriter writer = formats.findWriter(accept);
        read();
        final boolean isOpenMetrics = writer == formats.getOpenMetricsTextFormatWriter();
        final ScrapeTemplate template = isOpenMetrics || writer == formats.getPrometheusTextFormatWriter() ?
            template(writer, isOpenMetrics) : null;
        if (template == null)
        {
            final ByteArrayOutputStream whole = new ByteArrayOutputStream(64 * 1024);
            writer.write(whole, withClient());
            final byte[] body = whole.toByteArray();
            return new AdminResponse(200, writer.getContentType(), body);
        }
        out.clear();
        jvm.appendTo(out, writer, isOpenMetrics, now.nowNs);
        template.render(out, now);
        if (isOpenMetrics)
        {
            out.append(openMetricsEnd);
        }
        return new AdminResponse(200, writer.getContentType(), out.array(), out.length());
    }

    /**
     * Vigil's families with the values of the last {@link #scrape} (or of now, before the first), as the client
     * renders them itself: the reference a template's output must equal.
     *
     * @param accept the Accept header choosing the format.
     * @return the client's rendering, without the JVM's metrics.
     * @throws IOException never in practice.
     */
    byte[] vigilFamiliesByClient(final String accept) throws IOException
    {
        if (families == null)
        {
            read();
        }
        final List<MetricSnapshot> snapshots = new ArrayList<>();
        for (final MetricFamily family : families)
        {
            snapshots.add(family.snapshot(now));
        }
        final ByteArrayOutputStream whole = new ByteArrayOutputStream();
        formats.findWriter(accept).write(whole, new MetricSnapshots(snapshots));
        return whole.toByteArray();
    }

    /**
     * @return whether scrapes render through templates (false once the client's output did not fit one).
     */
    boolean rendersWithTemplates()
    {
        return !templatesFailed;
    }

    /** Sums the counters now, and describes the families again when the label sets changed. */
    private void read()
    {
        now.stats = server.stats();
        now.nowNs = System.nanoTime();
        final Map<String, UpstreamGroup> groups = server.upstreams();
        if (families == null || labelSetsChanged(now.stats.blocks(), groups))
        {
            // peers first: a resolver that swaps a group's peers while the families are described then leaves
            // the older list recorded, and the next scrape describes again instead of keeping a stale server set
            final List<Object> described = new ArrayList<>();
            for (final UpstreamGroup group : groups.values())
            {
                described.add(group);
                described.add(group.peers());
            }
            families = describer.describe(now.stats.blocks(), groups);
            describedBlocks = now.stats.blocks();
            describedGroups = described.toArray();
            text = null;
            openMetrics = null;
        }
    }

    /**
     * The blocks' list is replaced as a whole when it changes, and so is a group's peer list; the groups' map is
     * a new view at each call, so its groups are compared one by one (a reload that keeps a group keeps it).
     */
    private boolean labelSetsChanged(final List<StatsLayout.Block> blocks, final Map<String, UpstreamGroup> groups)
    {
        if (blocks != describedBlocks)
        {
            return true;
        }
        int i = 0;
        for (final UpstreamGroup group : groups.values())
        {
            if (i + 1 >= describedGroups.length || group != describedGroups[i] ||
                group.peers() != describedGroups[i + 1])
            {
                return true;
            }
            i += 2;
        }
        return i != describedGroups.length;
    }

    private ScrapeTemplate template(final ExpositionFormatWriter writer, final boolean isOpenMetrics)
        throws IOException
    {
        ScrapeTemplate template = isOpenMetrics ? openMetrics : text;
        if (template == null && !templatesFailed)
        {
            try
            {
                template = ScrapeTemplate.build(families, writer, now);
            }
            catch (final IllegalStateException ex)
            {
                templatesFailed = true; // the client changed its output: let it render every scrape
                Log.error("admin: /metrics falls back to the Prometheus client's rendering", ex);
                return null;
            }
            if (isOpenMetrics)
            {
                openMetrics = template;
            }
            else
            {
                text = template;
            }
        }
        return template;
    }

    private MetricSnapshots withClient()
    {
        final List<MetricSnapshot> snapshots = new ArrayList<>();
        for (final MetricSnapshot snapshot : jvm.collect())
        {
            snapshots.add(snapshot);
        }
        for (final MetricFamily family : families)
        {
            snapshots.add(family.snapshot(now));
        }
        return new MetricSnapshots(snapshots);
    }
}
