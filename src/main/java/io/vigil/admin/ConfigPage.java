package io.vigil.admin;

import io.vigil.config.ListenerConfig;
import io.vigil.config.ServerConfig;
import io.vigil.config.UpstreamConfig;
import io.vigil.config.VigilConfig;
import io.vigil.net.HostPort;
import io.vigil.net.KeepAlive;
import io.vigil.net.KernelKeepAlive;

import java.util.concurrent.TimeUnit;

/**
 * {@code /config}: the configuration new connections join, as JSON, with what {@code vigil check} prints for
 * each listener and upstream: the effective keepalive (kernel defaults filled in) and the dead-peer budget,
 * idle + intvl x cnt.
 */
final class ConfigPage
{
    private ConfigPage()
    {
    }

    static AdminResponse render(final VigilConfig config, final long generation)
    {
        final KeepAlive system = KernelKeepAlive.systemDefaults();
        final Json json = new Json().beginObject()
            .field("source", config.source())
            .field("generation", generation)
            .field("event_loops", config.eventLoops())
            .field("shutdown_timeout_ms", ms(config.shutdownTimeoutNs()))
            .field("loop_stall_timeout_ms", ms(config.loopStallTimeoutNs()))
            .field("idle_strategy", config.idle().strategy().name().toLowerCase())
            .field("idle_spin_us", TimeUnit.NANOSECONDS.toMicros(config.idle().spinNs()))
            .name("kernel_keepalive_defaults").beginObject()
            .field("idle_s", system.idleSec()).field("intvl_s", system.intervalSec()).field("cnt", system.count())
            .endObject()
            .name("listeners").beginArray();
        for (final ListenerConfig l : config.listeners())
        {
            json.beginObject()
                .field("name", l.name())
                .field("listen", HostPort.format(l.listen()))
                .field("mode", l.mode().name().toLowerCase())
                .field("upstream", l.upstream())
                .field("proxy_timeout_ms", ms(l.proxyTimeoutNs()))
                .field("backlog", l.backlog())
                .field("reuseport", l.reuseport())
                .field("half_close", l.halfClose())
                .field("access_log", l.accessLog())
                .field("proxy_protocol", l.proxyProtocol().enabled())
                .field("proxy_protocol_timeout_ms", ms(l.proxyProtocol().timeoutNs()))
                .field("proxy_protocol_trusted", l.proxyProtocol().trusted().toString())
                .name("so_keepalive");
            keepAlive(json, l.soKeepalive(), system);
            json.endObject();
        }
        json.endArray().name("upstreams").beginArray();
        for (final UpstreamConfig u : config.upstreams().values())
        {
            json.beginObject()
                .field("name", u.name())
                .field("balance", u.balance().name().toLowerCase().replace('_', '-'))
                .field("connect_timeout_ms", ms(u.connectTimeoutNs()))
                .field("tries", u.maxTries())
                .field("send_proxy_protocol", u.sendProxyProtocol().name().toLowerCase())
                .name("servers").beginArray();
            for (final ServerConfig s : u.servers())
            {
                json.value(s.spec());
            }
            json.endArray().name("so_keepalive");
            keepAlive(json, u.soKeepalive(), system);
            json.endObject();
        }
        return AdminResponse.json(json.endArray().endObject().toString());
    }

    private static void keepAlive(final Json json, final KeepAlive keepAlive, final KeepAlive system)
    {
        json.beginObject().field("configured", keepAlive.toString())
            .field("mode", keepAlive.mode().name().toLowerCase().replace('_', '-'));
        if (keepAlive.enabled())
        {
            final KeepAlive effective = keepAlive.effective(system);
            json.field("idle_s", effective.idleSec()).field("intvl_s", effective.intervalSec())
                .field("cnt", effective.count())
                .field("dead_peer_budget_s", keepAlive.deadPeerDetectionSec(system));
        }
        json.endObject();
    }

    private static long ms(final long ns)
    {
        return TimeUnit.NANOSECONDS.toMillis(ns);
    }
}
