package io.vigil.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.vigil.net.HostPort;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.vigil.config.ConfigValues.MIN_TIMEOUT_NS;
import static io.vigil.config.ConfigValues.choice;
import static io.vigil.config.ConfigValues.keepAlive;
import static io.vigil.config.ConfigValues.union;
import static io.vigil.config.ConfigValues.userTimeout;

/**
 * The {@code upstreams} block: each group layered over {@code upstream-defaults}, its servers, balancing, health
 * checks and HTTP connection reuse.
 */
final class UpstreamsLoader
{
    private static final Set<String> UPSTREAM_REQUIRED = Set.of("servers");
    private static final Set<String> UPSTREAM_KEEPALIVE_KEYS = Set.of("idle", "timeout", "requests", "time");
    private static final Set<String> HEALTH_CHECK_KEYS =
        Set.of("type", "interval", "timeout", "rise", "fall", "path", "expect-status");

    private UpstreamsLoader()
    {
    }

    static Map<String, UpstreamConfig> upstreams(
        final ConfigNode root, final Config defaults, final HostPort.NameLookup lookup)
    {
        final Set<String> known = union(defaults.root().keySet(), UPSTREAM_REQUIRED);
        final ConfigObject written = root.object("upstreams");
        final Map<String, UpstreamConfig> result = new LinkedHashMap<>();
        for (final Map.Entry<String, ConfigValue> entry : written.entrySet())
        {
            final String name = entry.getKey();
            final ConfigValue value = entry.getValue();
            final String path = "vigil.upstreams." + name;
            if (value.valueType() != ConfigValueType.OBJECT)
            {
                throw new ConfigError(ConfigNode.describe(value.origin(), root.location("upstreams")), path,
                    "expected an object { servers = [...] }");
            }
            final ConfigObject object = (ConfigObject)value;
            final ConfigNode node = new ConfigNode(object.toConfig().withFallback(defaults), path, value.origin(),
                root.location("upstreams"));
            node.rejectUnknownKeys(object, known);
            result.put(name, upstream(name, node, lookup));
        }
        return result;
    }

    private static UpstreamConfig upstream(
        final String name, final ConfigNode node, final HostPort.NameLookup lookup)
    {
        final List<ConfigValue> serverValues = node.list("servers");
        if (serverValues.isEmpty())
        {
            throw node.error("servers", "at least one server is required");
        }
        final List<ServerConfig> servers = new ArrayList<>();
        for (int i = 0; i < serverValues.size(); i++)
        {
            final ConfigValue value = serverValues.get(i);
            final String key = node.key("servers") + "[" + i + "]";
            if (value.valueType() != ConfigValueType.STRING)
            {
                throw new ConfigError(ConfigNode.describe(value.origin(), node.location("servers")), key,
                    "expected a string \"host:port [weight=N]\"");
            }
            try
            {
                servers.add(ServerLines.server((String)value.unwrapped(), lookup));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigError(ConfigNode.describe(value.origin(), node.location("servers")), key,
                    ex.getMessage());
            }
        }
        if (servers.stream().allMatch(server -> server.backup() || server.down()))
        {
            throw node.error("servers", "needs at least one server that is neither backup nor down");
        }
        final UpstreamConfig.Balance balance = choice(node, "balance", UpstreamConfig.Balance.class);
        final long resolveNs = node.durationNs("resolve", 0);
        if (resolveNs > 0 && resolveNs < TimeUnit.MILLISECONDS.toNanos(100))
        {
            throw node.error("resolve", "must be 0 (off) or at least 100ms");
        }
        return new UpstreamConfig(
            name,
            List.copyOf(servers),
            node.durationNs("connect-timeout", MIN_TIMEOUT_NS),
            node.integer("next-upstream-tries", 0, 1000),
            keepAlive(node),
            balance,
            choice(node, "hash-key", UpstreamConfig.HashKey.class),
            node.bool("consistent"),
            healthCheck(node),
            choice(node, "on-down", UpstreamConfig.OnDown.class),
            choice(node, "on-server-removed", UpstreamConfig.OnServerRemoved.class),
            resolveNs,
            httpUpstream(node),
            userTimeout(node),
            choice(node, "send-proxy-protocol", SendProxyProtocol.class));
    }

    private static HttpUpstreamConfig httpUpstream(final ConfigNode upstream)
    {
        final ConfigObject written = upstream.object("keepalive");
        final ConfigNode keepalive = new ConfigNode(upstream.config().getConfig("keepalive"),
            upstream.key("keepalive"), written.origin(), upstream.location());
        keepalive.rejectUnknownKeys(written, UPSTREAM_KEEPALIVE_KEYS);
        return new HttpUpstreamConfig(
            upstream.durationNs("read-timeout", MIN_TIMEOUT_NS),
            upstream.durationNs("send-timeout", MIN_TIMEOUT_NS),
            keepalive.integer("idle", 0, 100_000),
            keepalive.durationNs("timeout", MIN_TIMEOUT_NS),
            keepalive.integer("requests", 1, Integer.MAX_VALUE),
            keepalive.durationNs("time", MIN_TIMEOUT_NS));
    }

    private static HealthCheckConfig healthCheck(final ConfigNode upstream)
    {
        final ConfigObject written = upstream.object("health-check");
        final ConfigNode node = new ConfigNode(upstream.config().getConfig("health-check"),
            upstream.key("health-check"), written.origin(), upstream.location());
        node.rejectUnknownKeys(written, HEALTH_CHECK_KEYS);
        final String expect = node.string("expect-status");
        final int dash = expect.indexOf('-');
        final int min;
        final int max;
        try
        {
            min = Integer.parseInt(dash < 0 ? expect.trim() : expect.substring(0, dash).trim());
            max = Integer.parseInt(dash < 0 ? expect.trim() : expect.substring(dash + 1).trim());
        }
        catch (final NumberFormatException ex)
        {
            throw node.error("expect-status", "expected a status or range such as 200 or 200-399, got \"" +
                expect + "\"");
        }
        if (min < 100 || max > 599 || min > max)
        {
            throw node.error("expect-status", "\"" + expect + "\" is not a status range within 100-599");
        }
        final String path = node.string("path");
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c >= 0x7f))
        {
            throw node.error("path", "expected an origin-form path such as /healthz, got \"" + path + "\"");
        }
        final long intervalNs = node.durationNs("interval", TimeUnit.MILLISECONDS.toNanos(10));
        final long timeoutNs = node.durationNs("timeout", MIN_TIMEOUT_NS);
        return new HealthCheckConfig(
            choice(node, "type", HealthCheckConfig.Type.class),
            intervalNs,
            timeoutNs,
            node.integer("rise", 1, 1000),
            node.integer("fall", 1, 1000),
            path,
            min,
            max);
    }
}
