package io.vigil.admin;

import io.prometheus.metrics.model.snapshots.Labels;
import io.vigil.admin.MetricFamily.HistogramSlots;
import io.vigil.admin.MetricFamily.Reading;
import io.vigil.admin.MetricFamily.Series;
import io.vigil.admin.MetricFamily.Type;
import io.vigil.runtime.VigilServer;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.stats.GlobalCounters;
import io.vigil.stats.Histogram;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.RejectReason;
import io.vigil.stats.ServerCounters;
import io.vigil.stats.StatsLayout;
import io.vigil.stats.UpstreamCounters;
import io.vigil.upstream.Peer;
import io.vigil.upstream.UpstreamGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Vigil's metric families: which series exist for the current stats blocks and upstream groups, and where each
 * one's value is read from at scrape time (the loops' counters summed without locks, or the live state of a
 * server). Names are a contract (README): base units, {@code _total} on counters (the client adds it),
 * low-cardinality labels, nothing per connection. Describing allocates; it runs when the label sets change, not
 * per scrape.
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

    /**
     * @param blocks the stats blocks now (a snapshot's).
     * @param groups the upstream groups now.
     * @return every family with its series.
     */
    List<MetricFamily> describe(final List<StatsLayout.Block> blocks, final Map<String, UpstreamGroup> groups)
    {
        final List<MetricFamily> families = new ArrayList<>();
        families.add(new MetricFamily("vigil_build_info", "Vigil's version (always 1)", Type.GAUGE,
            List.of(new Series(Labels.of("version", version), now -> 1, null))));
        listeners(blocks, families);
        upstreams(blocks, groups, families);
        process(blocks.get(0), families);
        return families;
    }

    private static void listeners(final List<StatsLayout.Block> blocks, final List<MetricFamily> families)
    {
        final List<Series> accepted = new ArrayList<>();
        final List<Series> active = new ArrayList<>();
        final List<Series> rejected = new ArrayList<>();
        final List<Series> closed = new ArrayList<>();
        final List<Series> dead = new ArrayList<>();
        final List<Series> received = new ArrayList<>();
        final List<Series> sent = new ArrayList<>();
        final List<Series> requests = new ArrayList<>();
        final List<Series> durations = new ArrayList<>();
        final List<Series> responses = new ArrayList<>();
        for (final StatsLayout.Block block : blocks)
        {
            if (block.kind() != StatsLayout.Kind.LISTENER)
            {
                continue;
            }
            final String name = block.labels().get(0);
            final Labels listener = Labels.of("listener", name);
            accepted.add(slot(listener, block, ListenerCounters.ACCEPTED));
            active.add(slot(listener, block, ListenerCounters.ACTIVE));
            for (final RejectReason reason : RejectReason.values())
            {
                rejected.add(slot(Labels.of("listener", name, "reason", reason.label()), block,
                    ListenerCounters.REJECTED + reason.ordinal()));
            }
            for (final Side side : SIDES)
            {
                final List<Integer> deaths = new ArrayList<>();
                for (final CloseReason reason : REASONS)
                {
                    final int offset = ListenerCounters.closed(reason.ordinal(), side.ordinal());
                    closed.add(slot(Labels.of("listener", name, "reason", reason.logName(), "side", side.logName()),
                        block, offset));
                    if (reason.deadPeer())
                    {
                        deaths.add(offset);
                    }
                }
                if (side != Side.PROXY)
                {
                    dead.add(new Series(Labels.of("listener", name, "side", side.logName()), sum(block, deaths),
                        null));
                }
            }
            received.add(slot(Labels.of("listener", name, "side", "client"), block,
                ListenerCounters.BYTES_FROM_CLIENT));
            received.add(slot(Labels.of("listener", name, "side", "upstream"), block,
                ListenerCounters.BYTES_FROM_UPSTREAM));
            sent.add(slot(Labels.of("listener", name, "side", "client"), block, ListenerCounters.BYTES_TO_CLIENT));
            sent.add(slot(Labels.of("listener", name, "side", "upstream"), block,
                ListenerCounters.BYTES_TO_UPSTREAM));
            for (int c = 0; c < STATUS_CLASSES.length; c++)
            {
                requests.add(slot(Labels.of("listener", name, "code", STATUS_CLASSES[c]), block,
                    ListenerCounters.HTTP_REQUESTS + c));
            }
            durations.add(new Series(listener, null, new HistogramSlots(Histogram.SESSION_SECONDS, block,
                ListenerCounters.SESSION_DURATION)));
            responses.add(new Series(listener, null, new HistogramSlots(Histogram.RESPONSE_SECONDS, block,
                ListenerCounters.HTTP_RESPONSE_DURATION)));
        }
        families.add(counter("vigil_listener_connections_accepted", "Connections accepted and handed to an event loop",
            accepted));
        families.add(gauge("vigil_listener_connections_active", "Sessions open now", active));
        families.add(counter("vigil_listener_connections_rejected", "Accepted connections closed at once, by reason",
            rejected));
        families.add(counter("vigil_sessions_closed",
            "Sessions ended, by close reason and the side it came from (proxy: Vigil's own decision)", closed));
        families.add(counter("vigil_dead_peers",
            "Sessions ended because the kernel declared a peer dead (keepalive verdict or retransmission timeout)",
            dead));
        families.add(counter("vigil_received_bytes", "Bytes read, by side", received));
        families.add(counter("vigil_sent_bytes", "Bytes written, by side", sent));
        families.add(counter("vigil_http_requests", "HTTP requests answered, by status class", requests));
        families.add(new MetricFamily("vigil_session_duration_seconds", "How long sessions lasted", Type.HISTOGRAM,
            durations));
        families.add(new MetricFamily("vigil_http_upstream_response_duration_seconds",
            "HTTP: from the request fully sent to the upstream's response head", Type.HISTOGRAM, responses));
    }

    private static void upstreams(final List<StatsLayout.Block> blocks, final Map<String, UpstreamGroup> groups,
        final List<MetricFamily> families)
    {
        final List<Series> attempts = new ArrayList<>();
        final List<Series> failures = new ArrayList<>();
        final List<Series> checks = new ArrayList<>();
        final List<Series> up = new ArrayList<>();
        final List<Series> sessions = new ArrayList<>();
        final List<Series> idle = new ArrayList<>();
        final List<Series> reuses = new ArrayList<>();
        final List<Series> retries = new ArrayList<>();
        final List<Series> connects = new ArrayList<>();
        for (final StatsLayout.Block block : blocks)
        {
            if (block.kind() == StatsLayout.Kind.UPSTREAM)
            {
                final Labels upstream = Labels.of("upstream", block.labels().get(0));
                idle.add(slot(upstream, block, UpstreamCounters.POOL_IDLE));
                reuses.add(slot(upstream, block, UpstreamCounters.POOL_REUSES));
                retries.add(slot(upstream, block, UpstreamCounters.POOL_RETRIES));
                connects.add(new Series(upstream, null, new HistogramSlots(Histogram.CONNECT_SECONDS, block,
                    UpstreamCounters.CONNECT_DURATION)));
            }
            else if (block.kind() == StatsLayout.Kind.SERVER)
            {
                final String group = block.labels().get(0);
                final String server = block.labels().get(1);
                attempts.add(slot(Labels.of("upstream", group, "server", server), block,
                    ServerCounters.CONNECT_ATTEMPTS));
                for (final ServerCounters.ConnectFailure why : ServerCounters.ConnectFailure.values())
                {
                    failures.add(slot(Labels.of("upstream", group, "server", server, "reason", why.label()), block,
                        ServerCounters.CONNECT_FAILURES + why.ordinal()));
                }
                for (final ServerCounters.HealthResult result : ServerCounters.HealthResult.values())
                {
                    checks.add(slot(Labels.of("upstream", group, "server", server, "result", result.label()), block,
                        ServerCounters.HEALTH_CHECKS + result.ordinal()));
                }
            }
        }
        for (final Map.Entry<String, UpstreamGroup> entry : groups.entrySet())
        {
            for (final Peer peer : entry.getValue().peers())
            {
                final Labels labels = Labels.of("upstream", entry.getKey(), "server", peer.name());
                up.add(new Series(labels, now -> peer.available(now.nowNs) ? 1 : 0, null));
                sessions.add(new Series(labels, now -> peer.conns(), null));
            }
        }
        families.add(counter("vigil_upstream_connect_attempts", "Connects to an upstream server", attempts));
        families.add(counter("vigil_upstream_connect_failures",
            "Failed connects, by reason (local: this host's failure, not counted against the server)", failures));
        families.add(counter("vigil_health_checks", "Active health checks, by result", checks));
        families.add(gauge("vigil_upstream_server_up",
            "1 while new sessions may go to the server: not down, healthy, not failed recently", up));
        families.add(gauge("vigil_upstream_sessions_active",
            "Sessions (and HTTP exchanges) open to the server now, across loops", sessions));
        families.add(gauge("vigil_upstream_pool_idle_connections", "Idle pooled HTTP connections to the upstream, " +
            "all loops", idle));
        families.add(counter("vigil_upstream_pool_reuses", "HTTP requests sent over a pooled connection", reuses));
        families.add(counter("vigil_upstream_pool_retries",
            "HTTP requests sent again on a fresh connection because the reused one failed before answering", retries));
        families.add(new MetricFamily("vigil_upstream_connect_duration_seconds", "From connect() to connected",
            Type.HISTOGRAM, connects));
    }

    private void process(final StatsLayout.Block global, final List<MetricFamily> families)
    {
        families.add(counter("vigil_loop_handler_failures", "Exceptions an event loop caught from a handler (bugs)",
            List.of(slot(Labels.EMPTY, global, GlobalCounters.HANDLER_FAILURES))));
        families.add(counter("vigil_buffer_pool_refused_releases",
            "Buffers given back to a loop's pool that it had not lent, refused (a double release: a bug)",
            List.of(slot(Labels.EMPTY, global, GlobalCounters.BUFFER_POOL_REFUSED_RELEASES))));
        families.add(gauge("vigil_buffer_memory_bytes",
            "Direct memory held by the loops' socket buffers now, lent or pooled for reuse (all loops)",
            List.of(new Series(Labels.EMPTY, now -> server.bufferBudget().allocatedBytes(), null))));
        families.add(gauge("vigil_buffer_memory_max_bytes", "The cap on it (max-buffer-memory)",
            List.of(new Series(Labels.EMPTY, now -> server.bufferBudget().maxBytes(), null))));
        families.add(counter("vigil_buffer_memory_refusals",
            "Buffers refused at the cap or when the JVM's direct memory ran out; the session asking was closed",
            List.of(new Series(Labels.EMPTY, now -> server.bufferBudget().refusals(), null))));
        families.add(counter("vigil_accept_failures", "accept(2) calls that failed (EMFILE and the like)",
            List.of(slot(Labels.EMPTY, global, GlobalCounters.ACCEPT_FAILURES))));
        families.add(counter("vigil_socket_option_failures", "Socket options that failed at runtime",
            List.of(new Series(Labels.EMPTY, now -> server.socketOptionFailures(), null))));
        families.add(counter("vigil_access_log_dropped_lines", "Access-log lines dropped (the ring was full)",
            List.of(new Series(Labels.EMPTY, now -> server.accessLogDropped(), null))));
        families.add(gauge("vigil_config_generation", "The configuration generation new connections join",
            List.of(new Series(Labels.EMPTY, now -> server.generation(), null))));
        families.add(gauge("vigil_config_generations",
            "Configuration generations alive: the current one and those whose sessions still run",
            List.of(new Series(Labels.EMPTY, now -> server.liveGenerations(), null))));
        families.add(counter("vigil_config_reloads", "Configuration reloads, by result", List.of(
            new Series(Labels.of("result", "success"), now -> server.reloadSuccesses(), null),
            new Series(Labels.of("result", "failure"), now -> server.reloadFailures(), null))));
        families.add(gauge("vigil_config_last_reload_success_timestamp_seconds",
            "When the configuration was last loaded successfully (start or reload), seconds since the epoch",
            List.of(new Series(Labels.EMPTY, now -> server.lastReloadSuccessMs() / 1000.0, null))));
        families.add(counter("vigil_keepalive_retuned_sockets",
            "Open sockets given a changed so-keepalive by a reload, without restarting their session",
            List.of(new Series(Labels.EMPTY, now -> server.retunedSockets(), null))));
    }

    private static MetricFamily counter(final String name, final String help, final List<Series> series)
    {
        return new MetricFamily(name, help, Type.COUNTER, series);
    }

    private static MetricFamily gauge(final String name, final String help, final List<Series> series)
    {
        return new MetricFamily(name, help, Type.GAUGE, series);
    }

    private static Series slot(final Labels labels, final StatsLayout.Block block, final int offset)
    {
        return new Series(labels, now -> now.stats.get(block, offset), null);
    }

    private static Reading sum(final StatsLayout.Block block, final List<Integer> offsets)
    {
        final int[] slots = offsets.stream().mapToInt(Integer::intValue).toArray();
        return now ->
        {
            long total = 0;
            for (final int offset : slots)
            {
                total += now.stats.get(block, offset);
            }
            return total;
        };
    }
}
