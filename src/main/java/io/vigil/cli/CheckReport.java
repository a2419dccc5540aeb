package io.vigil.cli;

import io.vigil.net.SocketLayer;
import io.vigil.net.KeepAlive;
import io.vigil.net.UserTimeout;
import io.vigil.net.UserTimeouts;
import io.vigil.config.ListenerConfig;
import io.vigil.config.UpstreamConfig;
import io.vigil.config.VigilConfig;
import io.vigil.net.HostPort;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * What {@code vigil check} prints: each listener's and upstream's effective keepalive and the worst-case time
 * for the kernel to declare a silent peer dead (idle + intvl x cnt), with system defaults filled in, and the stop.
 */
final class CheckReport
{
    private CheckReport()
    {
    }

    static void print(final VigilConfig config, final KeepAlive system, final PrintStream out)
    {
        out.println(config.source() + ": OK (" + config.listeners().size() + " listener(s), " +
            config.upstreams().size() + " upstream(s), " + config.eventLoops() + " event loop(s))");
        out.println("kernel keepalive defaults: " + system.idleSec() + ":" + system.intervalSec() + ":" +
            system.count() + " (net.ipv4.tcp_keepalive_time:intvl:probes)");
        out.println("user-timeout mechanism: " + UserTimeouts.describe());
        for (final ListenerConfig listener : config.listeners())
        {
            out.println("listener " + listener.name() + "  " + HostPort.format(listener.listen()) + "  mode=" +
                listener.mode().name().toLowerCase() + "  upstream=" + listener.upstream() + "  proxy-timeout=" +
                seconds(listener.proxyTimeoutNs()) + (listener.mode() == ListenerConfig.Mode.TCP ?
                "  half-close=" + (listener.halfClose() ? "on" : "off") : ""));
            out.println("  client so-keepalive=" + describe(listener.soKeepalive(), system));
            out.println("  client user-timeout=" + describe(listener.userTimeout(), listener.soKeepalive(), system) +
                "  max-connections=" + limit(listener.limits().maxConnections()) + " max-connections-per-client=" +
                limit(listener.limits().maxPerClient()));
            if (listener.routes() != null)
            {
                out.println("  routes by TLS server name: " + describeRoutes(listener.routes()) + "  preread-timeout=" +
                    seconds(listener.routes().prereadTimeoutNs()));
            }
            if (listener.http() != null)
            {
                final var http = listener.http();
                out.println("  http keepalive-timeout=" + seconds(http.keepaliveTimeoutNs()) + " keepalive-requests=" +
                    http.keepaliveRequests() + " client-header-timeout=" + seconds(http.clientHeaderTimeoutNs()) +
                    " client-max-body-size=" + (http.clientMaxBodySize() == 0 ? "unlimited" :
                    http.clientMaxBodySize() + "b"));
            }
        }
        for (final UpstreamConfig upstream : config.upstreams().values())
        {
            out.println("upstream " + upstream.name() + "  servers=" + upstream.servers().size() +
                "  connect-timeout=" + seconds(upstream.connectTimeoutNs()) + "  tries=" + upstream.maxTries());
            out.println("  server so-keepalive=" + describe(upstream.soKeepalive(), system));
            out.println("  server user-timeout=" + describe(upstream.userTimeout(), upstream.soKeepalive(), system));
            final var http = upstream.http();
            final boolean usedByHttp = config.listeners().stream()
                .anyMatch(l -> l.http() != null && l.upstream().equals(upstream.name()));
            if (!usedByHttp)
            {
                continue;
            }
            out.println("  http read-timeout=" + seconds(http.readTimeoutNs()) + " pool: " + http.keepaliveIdle() +
                " idle per loop, timeout=" + seconds(http.keepaliveTimeoutNs()) + " requests=" +
                http.keepaliveRequests());
        }
        out.println(TerminationGrace.drainLine(config, system));
        out.println(SocketLayer.describe());
    }

    static String describe(final UserTimeout userTimeout, final KeepAlive keepAlive, final KeepAlive system)
    {
        final long ms = userTimeout.effectiveMs(keepAlive, system);
        if (ms == 0)
        {
            return "off (with data in flight a dead peer is found after tcp_retries2, ~15 min)";
        }
        return userTimeout + "  effective " + ms + "ms, enforced by " + UserTimeouts.mechanism().label();
    }

    private static String limit(final int value)
    {
        return value == 0 ? "unlimited" : Integer.toString(value);
    }

    static String describe(final KeepAlive keepAlive, final KeepAlive system)
    {
        switch (keepAlive.mode())
        {
            case NOT_SET:
                return "default (not set: sockets keep the kernel's SO_KEEPALIVE=off; dead peers are not detected)";
            case OFF:
                return "off (dead peers are not detected)";
            default:
                final KeepAlive e = keepAlive.effective(system);
                return keepAlive + "  effective " + e.idleSec() + ":" + e.intervalSec() + ":" + e.count() +
                    "  dead peer detected within " + keepAlive.deadPeerDetectionSec(system) + " s (" +
                    e.idleSec() + " + " + e.intervalSec() + " x " + e.count() + ")";
        }
    }

    private static String seconds(final long ns)
    {
        final long ms = TimeUnit.NANOSECONDS.toMillis(ns);
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }

    private static String describeRoutes(final io.vigil.config.SniRoutes routes)
    {
        final java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
        routes.exact().forEach((name, route) -> sorted.put(name, routes.upstream(route)));
        routes.wildcards().forEach((suffix, route) -> sorted.put("*" + suffix, routes.upstream(route)));
        final StringBuilder out = new StringBuilder();
        sorted.forEach((name, upstream) -> out.append(name).append("->").append(upstream).append(' '));
        return out.append("default->").append(routes.defaultRoute() == io.vigil.config.SniRoutes.REFUSE ? "(close)" :
            routes.upstream(routes.defaultRoute())).toString();
    }
}
