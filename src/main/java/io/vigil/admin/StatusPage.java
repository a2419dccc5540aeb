package io.vigil.admin;

import io.vigil.config.ListenerConfig;
import io.vigil.config.VigilConfig;
import io.vigil.net.HostPort;
import io.vigil.net.KernelKeepAlive;
import io.vigil.net.KernelSockets;
import io.vigil.runtime.VigilServer;
import io.vigil.session.CloseReason;
import io.vigil.session.SessionInfo;
import io.vigil.session.Side;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.ServerCounters;
import io.vigil.stats.StatsLayout;
import io.vigil.stats.StatsSnapshot;
import io.vigil.upstream.Peer;
import io.vigil.upstream.UpstreamGroup;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /}: a status page a person keeps open. Listeners with their traffic and dead peers, upstreams and their
 * servers (state, health, weight, sessions, failures), close causes, and the oldest and most idle connections
 * with what the kernel's keepalive timer says about each socket. Rendered on the server, self-contained (no
 * external asset), reloads itself every two seconds.
 */
final class StatusPage
{
    private static final int LISTED = 10;
    private static final String STYLE = "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}" +
        "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}table{border-collapse:collapse}" +
        "td,th{border-bottom:1px solid #ddd;padding:3px 10px;text-align:left}th{background:#f4f4f4}" +
        ".up{color:#070}.down{color:#b00}.num{text-align:right;font-variant-numeric:tabular-nums}" +
        ".muted{color:#777}";

    private final VigilServer server;
    private final ConnectionsPage connections;
    private final String version;
    private final long startedMs = System.currentTimeMillis();
    private final AtomicLong renders = new AtomicLong();

    StatusPage(final VigilServer server, final ConnectionsPage connections, final String version)
    {
        this.server = server;
        this.connections = connections;
        this.version = version;
    }

    AdminResponse render()
    {
        final long render = renders.incrementAndGet();
        final StatsSnapshot stats = server.stats();
        final VigilConfig config = server.currentConfig();
        final StringBuilder html = new StringBuilder(16 * 1024);
        html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Vigil</title><style>").append(STYLE)
            .append("</style></head><body><h1>Vigil ").append(esc(version)).append("</h1><p>generation ")
            .append(server.generation()).append(" &middot; up ")
            .append((System.currentTimeMillis() - startedMs) / 1000).append(" s &middot; ")
            .append(server.live() ? "<span class=up>live</span>" : "<span class=down>a loop died</span>")
            .append(" &middot; ").append(server.ready() ? "<span class=up>ready</span>" :
                "<span class=down>draining</span>")
            .append(" &middot; <span class=muted>page <span id=render>").append(render)
            .append("</span>, ").append(Instant.now()).append("</span></p>");
        listeners(html, stats, config);
        upstreams(html, stats);
        closes(html, stats);
        sessions(html);
        html.append("<script>setTimeout(function(){location.reload()},2000)</script></body></html>");
        return AdminResponse.html(html.toString());
    }

    private void listeners(final StringBuilder html, final StatsSnapshot stats, final VigilConfig config)
    {
        html.append("<h2>Listeners</h2><table><tr><th>name</th><th>listen</th><th>mode</th><th>upstream</th>" +
            "<th>so-keepalive</th><th>dead peer within</th><th class=num>accepted</th><th class=num>active</th>" +
            "<th class=num>dead clients</th><th class=num>dead upstreams</th><th class=num>bytes in</th>" +
            "<th class=num>bytes out</th></tr>");
        for (final ListenerConfig l : config.listeners())
        {
            final List<String> labels = List.of(l.name());
            final long budget = l.soKeepalive().deadPeerDetectionSec(KernelKeepAlive.systemDefaults());
            final java.net.InetSocketAddress bound = server.boundAddress(l.name());
            html.append("<tr><td>").append(esc(l.name())).append("</td><td>")
                .append(HostPort.format(bound != null ? bound : l.listen()))
                .append("</td><td>").append(l.mode().name().toLowerCase()).append("</td><td>")
                .append(esc(l.upstream())).append("</td><td>").append(esc(l.soKeepalive().toString()))
                .append("</td><td>").append(budget < 0 ? "never" : budget + " s").append("</td>");
            num(html, stats.get(StatsLayout.Kind.LISTENER, labels, ListenerCounters.ACCEPTED));
            num(html, stats.get(StatsLayout.Kind.LISTENER, labels, ListenerCounters.ACTIVE));
            num(html, deaths(stats, labels, Side.CLIENT));
            num(html, deaths(stats, labels, Side.UPSTREAM));
            num(html, stats.get(StatsLayout.Kind.LISTENER, labels, ListenerCounters.BYTES_FROM_CLIENT) +
                stats.get(StatsLayout.Kind.LISTENER, labels, ListenerCounters.BYTES_FROM_UPSTREAM));
            num(html, stats.get(StatsLayout.Kind.LISTENER, labels, ListenerCounters.BYTES_TO_CLIENT) +
                stats.get(StatsLayout.Kind.LISTENER, labels, ListenerCounters.BYTES_TO_UPSTREAM));
            html.append("</tr>");
        }
        html.append("</table>");
    }

    private static long deaths(final StatsSnapshot stats, final List<String> listener, final Side side)
    {
        long n = 0;
        for (final CloseReason reason : CloseReason.values())
        {
            if (reason.deadPeer())
            {
                n += stats.get(StatsLayout.Kind.LISTENER, listener,
                    ListenerCounters.closed(reason.ordinal(), side.ordinal()));
            }
        }
        return n;
    }

    private void upstreams(final StringBuilder html, final StatsSnapshot stats)
    {
        html.append("<h2>Upstreams</h2><table><tr><th>upstream</th><th>server</th><th>state</th><th>health</th>" +
            "<th class=num>weight</th><th class=num>active</th><th class=num>connects</th>" +
            "<th class=num>connect failures</th><th class=num>checks failed</th></tr>");
        final long nowNs = System.nanoTime();
        for (final Map.Entry<String, UpstreamGroup> group : server.upstreams().entrySet())
        {
            for (final Peer peer : group.getValue().peers())
            {
                final List<String> labels = List.of(group.getKey(), peer.name());
                long failures = 0;
                for (final ServerCounters.ConnectFailure why : ServerCounters.ConnectFailure.values())
                {
                    if (why != ServerCounters.ConnectFailure.LOCAL)
                    {
                        failures += stats.get(StatsLayout.Kind.SERVER, labels,
                            ServerCounters.CONNECT_FAILURES + why.ordinal());
                    }
                }
                final boolean up = peer.available(nowNs);
                html.append("<tr><td>").append(esc(group.getKey())).append("</td><td>").append(peer.name())
                    .append(peer.backup() ? " <span class=muted>backup</span>" : "").append("</td><td class=")
                    .append(up ? "up>up" : "down>" + (peer.server().down() ? "down (config)" : "unavailable"))
                    .append("</td><td>").append(peer.healthy() ? "healthy" : "failing checks").append("</td>");
                num(html, peer.weight());
                num(html, peer.conns());
                num(html, stats.get(StatsLayout.Kind.SERVER, labels, ServerCounters.CONNECT_ATTEMPTS));
                num(html, failures);
                num(html, stats.get(StatsLayout.Kind.SERVER, labels,
                    ServerCounters.HEALTH_CHECKS + ServerCounters.HealthResult.FAIL.ordinal()));
                html.append("</tr>");
            }
        }
        html.append("</table>");
    }

    private static void closes(final StringBuilder html, final StatsSnapshot stats)
    {
        html.append("<h2>Close causes</h2><table><tr><th>listener</th><th>reason</th><th>side</th>" +
            "<th class=num>sessions</th></tr>");
        for (final StatsLayout.Block block : stats.blocks())
        {
            if (block.kind() != StatsLayout.Kind.LISTENER)
            {
                continue;
            }
            for (final CloseReason reason : CloseReason.values())
            {
                for (final Side side : Side.values())
                {
                    final long n = stats.get(block, ListenerCounters.closed(reason.ordinal(), side.ordinal()));
                    if (n > 0)
                    {
                        html.append("<tr><td>").append(esc(block.labels().get(0))).append("</td><td>")
                            .append(reason.logName()).append("</td><td>").append(side.logName()).append("</td>");
                        num(html, n);
                        html.append("</tr>");
                    }
                }
            }
        }
        html.append("</table>");
    }

    private void sessions(final StringBuilder html)
    {
        final List<SessionInfo> all = connections.sessions(null, null, Integer.MAX_VALUE);
        final KernelSockets kernel = KernelSockets.read();
        html.append("<h2>Connections</h2><p>").append(all.size()).append(" open</p>");
        table(html, "Oldest", all.stream().limit(LISTED).toList(), kernel);
        table(html, "Most idle", all.stream().sorted(Comparator.comparingLong(SessionInfo::idleMs).reversed())
            .limit(LISTED).toList(), kernel);
    }

    private static void table(final StringBuilder html, final String title, final List<SessionInfo> sessions,
        final KernelSockets kernel)
    {
        html.append("<h3>").append(title).append("</h3><table><tr><th>listener</th><th>client</th>" +
            "<th>upstream</th><th>state</th><th class=num>age s</th><th class=num>idle s</th>" +
            "<th>client socket (kernel)</th><th>upstream socket (kernel)</th></tr>");
        for (final SessionInfo s : sessions)
        {
            html.append("<tr><td>").append(esc(s.listener())).append("</td><td>")
                .append(esc(ConnectionsPage.format(s.client()))).append("</td><td>").append(esc(s.upstream()))
                .append("</td><td>").append(s.state()).append("</td>");
            num(html, s.ageMs() / 1000);
            num(html, s.idleMs() / 1000);
            html.append("<td>").append(timer(kernel.find(s.clientLocal(), s.client()))).append("</td><td>")
                .append(timer(kernel.find(s.upstreamLocal(), s.upstreamRemote()))).append("</td></tr>");
        }
        html.append("</table>");
    }

    /** As ss -o shows it: timer:(keepalive,1min59sec,0). */
    private static String timer(final KernelSockets.TcpState tcp)
    {
        if (tcp == null)
        {
            return "<span class=muted>-</span>";
        }
        final int count = tcp.timer().equals("retransmit") ? tcp.retransmits() : tcp.probes();
        return tcp.state().toLowerCase() + " " + (tcp.timer().equals("off") ? "no timer" :
            tcp.timer() + " in " + tcp.timerMs() / 1000.0 + " s, " + count + (count == 1 ? " probe" : " probes"));
    }

    private static void num(final StringBuilder html, final long n)
    {
        html.append("<td class=num>").append(n).append("</td>");
    }

    static String esc(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
