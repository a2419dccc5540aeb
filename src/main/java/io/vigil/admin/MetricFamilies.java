package io.vigil.admin;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vigil.runtime.VigilServer;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.stats.GlobalCounters;
import io.vigil.stats.Histogram;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.RejectReason;
import io.vigil.stats.ServerCounters;
import io.vigil.stats.StatsLayout;
import io.vigil.stats.StatsSnapshot;
import io.vigil.stats.UpstreamCounters;
import io.vigil.upstream.Peer;
import io.vigil.upstream.UpstreamGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Vigil's metric families, built at scrape time from one {@link StatsSnapshot} (the loops' counters summed
 * without locks) and the live state of the current upstream groups. Names are a contract (README): base units,
 * {@code _total} on counters (the client adds it), low-cardinality labels, nothing per connection.
 */
final class MetricFamilies
{
    private static final Side[] SIDES = Side.values();
    private static final CloseReason[] REASONS = CloseReason.values();
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final VigilServer server;
    private final String version;

    MetricFamilies(final VigilServer server, final String version)
    {
        this.server = server;
        this.version = version;
    }

    MetricSnapshots collect()
    {
        final StatsSnapshot stats = server.stats();
        final List<MetricSnapshot> families = new ArrayList<>();
        families.add(GaugeSnapshot.builder().name("vigil_build_info").help("Vigil's version (always 1)")
            .dataPoint(gauge(Labels.of("version", version), 1)).build());
        listeners(stats, families);
        upstreams(stats, families);
        process(stats, families);
        return new MetricSnapshots(families);
    }

    private void listeners(final StatsSnapshot stats, final List<MetricSnapshot> families)
    {
        final CounterSnapshot.Builder accepted = counter("vigil_listener_connections_accepted",
            "Connections accepted and handed to an event loop");
        final GaugeSnapshot.Builder active = GaugeSnapshot.builder().name("vigil_listener_connections_active")
            .help("Sessions open now");
        final CounterSnapshot.Builder rejected = counter("vigil_listener_connections_rejected",
            "Accepted connections closed at once, by reason");
        final CounterSnapshot.Builder closed = counter("vigil_sessions_closed",
            "Sessions ended, by close reason and the side it came from (proxy: Vigil's own decision)");
        final CounterSnapshot.Builder dead = counter("vigil_dead_peers",
            "Sessions ended because the kernel declared a peer dead (keepalive verdict or retransmission timeout)");
        final CounterSnapshot.Builder received = counter("vigil_received_bytes", "Bytes read, by side");
        final CounterSnapshot.Builder sent = counter("vigil_sent_bytes", "Bytes written, by side");
        final CounterSnapshot.Builder requests = counter("vigil_http_requests",
            "HTTP requests answered, by status class");
        final HistogramSnapshot.Builder durations = HistogramSnapshot.builder()
            .name("vigil_session_duration_seconds").help("How long sessions lasted");
        final HistogramSnapshot.Builder responses = HistogramSnapshot.builder()
            .name("vigil_http_upstream_response_duration_seconds")
            .help("HTTP: from the request fully sent to the upstream's response head");
        for (final StatsLayout.Block block : stats.blocks())
        {
            if (block.kind() != StatsLayout.Kind.LISTENER)
            {
                continue;
            }
            final String name = block.labels().get(0);
            final Labels listener = Labels.of("listener", name);
            accepted.dataPoint(count(listener, stats.get(block, ListenerCounters.ACCEPTED)));
            active.dataPoint(gauge(listener, stats.get(block, ListenerCounters.ACTIVE)));
            for (final RejectReason reason : RejectReason.values())
            {
                rejected.dataPoint(count(Labels.of("listener", name, "reason", reason.label()),
                    stats.get(block, ListenerCounters.REJECTED + reason.ordinal())));
            }
            for (final Side side : SIDES)
            {
                long deaths = 0;
                for (final CloseReason reason : REASONS)
                {
                    final long n = stats.get(block, ListenerCounters.closed(reason.ordinal(), side.ordinal()));
                    closed.dataPoint(count(Labels.of("listener", name, "reason", reason.logName(), "side",
                        side.logName()), n));
                    if (reason.deadPeer())
                    {
                        deaths += n;
                    }
                }
                if (side != Side.PROXY)
                {
                    dead.dataPoint(count(Labels.of("listener", name, "side", side.logName()), deaths));
                }
            }
            bytes(received, name, "client", stats.get(block, ListenerCounters.BYTES_FROM_CLIENT));
            bytes(received, name, "upstream", stats.get(block, ListenerCounters.BYTES_FROM_UPSTREAM));
            bytes(sent, name, "client", stats.get(block, ListenerCounters.BYTES_TO_CLIENT));
            bytes(sent, name, "upstream", stats.get(block, ListenerCounters.BYTES_TO_UPSTREAM));
            for (int c = 0; c < STATUS_CLASSES.length; c++)
            {
                requests.dataPoint(count(Labels.of("listener", name, "code", STATUS_CLASSES[c]),
                    stats.get(block, ListenerCounters.HTTP_REQUESTS + c)));
            }
            durations.dataPoint(histogram(listener, Histogram.SESSION_SECONDS, stats, block,
                ListenerCounters.SESSION_DURATION));
            responses.dataPoint(histogram(listener, Histogram.RESPONSE_SECONDS, stats, block,
                ListenerCounters.HTTP_RESPONSE_DURATION));
        }
        families.add(accepted.build());
        families.add(active.build());
        families.add(rejected.build());
        families.add(closed.build());
        families.add(dead.build());
        families.add(received.build());
        families.add(sent.build());
        families.add(requests.build());
        families.add(durations.build());
        families.add(responses.build());
    }

    private void upstreams(final StatsSnapshot stats, final List<MetricSnapshot> families)
    {
        final CounterSnapshot.Builder attempts = counter("vigil_upstream_connect_attempts",
            "Connects to an upstream server");
        final CounterSnapshot.Builder failures = counter("vigil_upstream_connect_failures",
            "Failed connects, by reason (local: this host's failure, not counted against the server)");
        final CounterSnapshot.Builder checks = counter("vigil_health_checks", "Active health checks, by result");
        final GaugeSnapshot.Builder up = GaugeSnapshot.builder().name("vigil_upstream_server_up")
            .help("1 while new sessions may go to the server: not down, healthy, not failed recently");
        final GaugeSnapshot.Builder sessions = GaugeSnapshot.builder().name("vigil_upstream_sessions_active")
            .help("Sessions (and HTTP exchanges) open to the server now, across loops");
        final GaugeSnapshot.Builder idle = GaugeSnapshot.builder().name("vigil_upstream_pool_idle_connections")
            .help("Idle pooled HTTP connections to the upstream, all loops");
        final CounterSnapshot.Builder reuses = counter("vigil_upstream_pool_reuses",
            "HTTP requests sent over a pooled connection");
        final HistogramSnapshot.Builder connects = HistogramSnapshot.builder()
            .name("vigil_upstream_connect_duration_seconds").help("From connect() to connected");
        for (final StatsLayout.Block block : stats.blocks())
        {
            if (block.kind() == StatsLayout.Kind.UPSTREAM)
            {
                final Labels upstream = Labels.of("upstream", block.labels().get(0));
                idle.dataPoint(gauge(upstream, stats.get(block, UpstreamCounters.POOL_IDLE)));
                reuses.dataPoint(count(upstream, stats.get(block, UpstreamCounters.POOL_REUSES)));
                connects.dataPoint(histogram(upstream, Histogram.CONNECT_SECONDS, stats, block,
                    UpstreamCounters.CONNECT_DURATION));
            }
            else if (block.kind() == StatsLayout.Kind.SERVER)
            {
                final String group = block.labels().get(0);
                final String server = block.labels().get(1);
                attempts.dataPoint(count(Labels.of("upstream", group, "server", server),
                    stats.get(block, ServerCounters.CONNECT_ATTEMPTS)));
                for (final ServerCounters.ConnectFailure why : ServerCounters.ConnectFailure.values())
                {
                    failures.dataPoint(count(Labels.of("upstream", group, "server", server, "reason", why.label()),
                        stats.get(block, ServerCounters.CONNECT_FAILURES + why.ordinal())));
                }
                for (final ServerCounters.HealthResult result : ServerCounters.HealthResult.values())
                {
                    checks.dataPoint(count(Labels.of("upstream", group, "server", server, "result", result.label()),
                        stats.get(block, ServerCounters.HEALTH_CHECKS + result.ordinal())));
                }
            }
        }
        final long nowNs = System.nanoTime();
        for (final Map.Entry<String, UpstreamGroup> entry : server.upstreams().entrySet())
        {
            for (final Peer peer : entry.getValue().peers())
            {
                final Labels labels = Labels.of("upstream", entry.getKey(), "server", peer.name());
                up.dataPoint(gauge(labels, peer.available(nowNs) ? 1 : 0));
                sessions.dataPoint(gauge(labels, peer.conns()));
            }
        }
        families.add(attempts.build());
        families.add(failures.build());
        families.add(checks.build());
        families.add(up.build());
        families.add(sessions.build());
        families.add(idle.build());
        families.add(reuses.build());
        families.add(connects.build());
    }

    private void process(final StatsSnapshot stats, final List<MetricSnapshot> families)
    {
        final StatsLayout.Block global = stats.blocks().get(0);
        families.add(counter("vigil_loop_handler_failures", "Exceptions an event loop caught from a handler (bugs)")
            .dataPoint(count(Labels.EMPTY, stats.get(global, GlobalCounters.HANDLER_FAILURES))).build());
        families.add(counter("vigil_accept_failures", "accept(2) calls that failed (EMFILE and the like)")
            .dataPoint(count(Labels.EMPTY, stats.get(global, GlobalCounters.ACCEPT_FAILURES))).build());
        families.add(counter("vigil_socket_option_failures", "Socket options that failed at runtime")
            .dataPoint(count(Labels.EMPTY, server.socketOptionFailures())).build());
        families.add(counter("vigil_access_log_dropped_lines", "Access-log lines dropped (the ring was full)")
            .dataPoint(count(Labels.EMPTY, server.accessLogDropped())).build());
        families.add(GaugeSnapshot.builder().name("vigil_config_generation")
            .help("The configuration generation new connections join")
            .dataPoint(gauge(Labels.EMPTY, server.generation())).build());
        families.add(GaugeSnapshot.builder().name("vigil_config_generations")
            .help("Configuration generations alive: the current one and those whose sessions still run")
            .dataPoint(gauge(Labels.EMPTY, server.liveGenerations())).build());
        families.add(counter("vigil_config_reloads", "Configuration reloads, by result")
            .dataPoint(count(Labels.of("result", "success"), server.reloadSuccesses()))
            .dataPoint(count(Labels.of("result", "failure"), server.reloadFailures())).build());
        families.add(GaugeSnapshot.builder().name("vigil_config_last_reload_success_timestamp_seconds")
            .help("When the configuration was last loaded successfully (start or reload), seconds since the epoch")
            .dataPoint(gauge(Labels.EMPTY, server.lastReloadSuccessMs() / 1000.0)).build());
        families.add(counter("vigil_keepalive_retuned_sockets",
            "Open sockets given a changed so-keepalive by a reload, without restarting their session")
            .dataPoint(count(Labels.EMPTY, server.retunedSockets())).build());
    }

    private static CounterSnapshot.Builder counter(final String name, final String help)
    {
        return CounterSnapshot.builder().name(name).help(help);
    }

    private static void bytes(final CounterSnapshot.Builder family, final String listener, final String side,
        final long value)
    {
        family.dataPoint(count(Labels.of("listener", listener, "side", side), value));
    }

    private static CounterSnapshot.CounterDataPointSnapshot count(final Labels labels, final long value)
    {
        return CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot gauge(final Labels labels, final double value)
    {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static HistogramSnapshot.HistogramDataPointSnapshot histogram(
        final Labels labels, final Histogram histogram, final StatsSnapshot stats, final StatsLayout.Block block,
        final int base)
    {
        final double[] finite = histogram.bounds();
        final double[] bounds = new double[finite.length + 1];
        System.arraycopy(finite, 0, bounds, 0, finite.length);
        bounds[finite.length] = Double.POSITIVE_INFINITY;
        final long[] counts = new long[bounds.length];
        for (int i = 0; i < counts.length; i++)
        {
            counts[i] = stats.get(block, base + i);
        }
        return HistogramSnapshot.HistogramDataPointSnapshot.builder()
            .labels(labels)
            .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
            .sum(stats.get(block, base + histogram.sumSlot()) / 1e6)
            .build();
    }
}
