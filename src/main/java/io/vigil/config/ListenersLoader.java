package io.vigil.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.vigil.net.Cidr;
import io.vigil.net.HostPort;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static io.vigil.config.ConfigValues.MIN_TIMEOUT_NS;
import static io.vigil.config.ConfigValues.format;
import static io.vigil.config.ConfigValues.keepAlive;
import static io.vigil.config.ConfigValues.union;
import static io.vigil.config.ConfigValues.userTimeout;

/**
 * The {@code listeners} list: each listener layered over {@code listener-defaults}, checked against the upstreams
 * it names and against the other listeners' addresses.
 */
final class ListenersLoader
{
    private static final Set<String> LISTENER_REQUIRED = Set.of("name", "listen", "upstream");
    /** Listener keys with no default. */
    private static final Set<String> LISTENER_OPTIONAL = Set.of("routes");
    /** Listener keys that mean something only with mode = http. */
    private static final Set<String> HTTP_LISTENER_KEYS = Set.of("keepalive-timeout", "keepalive-requests",
        "keepalive-time", "client-header-timeout", "client-body-timeout", "send-timeout", "client-max-body-size",
        "max-request-line", "max-header-size", "add-x-forwarded", "add-forwarded", "allow-connect");

    private ListenersLoader()
    {
    }

    static List<ListenerConfig> listeners(
        final ConfigNode root, final Config defaults, final Map<String, UpstreamConfig> upstreams,
        final HostPort.NameLookup lookup)
    {
        final Set<String> known = union(union(defaults.root().keySet(), LISTENER_REQUIRED), LISTENER_OPTIONAL);
        final List<ConfigValue> values = root.list("listeners");
        if (values.isEmpty())
        {
            throw root.error("listeners", "at least one listener is required");
        }
        final List<ListenerConfig> result = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        final Map<InetSocketAddress, String> bound = new HashMap<>();
        for (int i = 0; i < values.size(); i++)
        {
            final ConfigValue value = values.get(i);
            final String path = "vigil.listeners[" + i + "]";
            if (value.valueType() != ConfigValueType.OBJECT)
            {
                throw new ConfigError(ConfigNode.describe(value.origin(), root.location("listeners")), path,
                    "expected an object { name = ..., listen = ..., upstream = ... }");
            }
            final ConfigObject object = (ConfigObject)value;
            final ConfigNode node = new ConfigNode(object.toConfig().withFallback(defaults), path, value.origin(),
                root.location("listeners"));
            node.rejectUnknownKeys(object, known);
            final ListenerConfig listener = listener(node, upstreams, lookup);
            refuseProxyHeaderOnPool(root, node, listener, upstreams.get(listener.upstream()));
            if (listener.mode() != ListenerConfig.Mode.HTTP)
            {
                for (final String key : HTTP_LISTENER_KEYS)
                {
                    if (object.containsKey(key))
                    {
                        throw node.error(key, "applies only to mode = http");
                    }
                }
            }
            if (listener.mode() == ListenerConfig.Mode.HTTP && object.containsKey("half-close"))
            {
                throw node.error("half-close", "applies only to mode = tcp (an HTTP listener's tunnel after 101 " +
                    "always forwards a FIN as a half-close)");
            }
            if (listener.routes() == null && object.containsKey("preread-timeout"))
            {
                throw node.error("preread-timeout", "applies only to a listener with routes");
            }
            if (!names.add(listener.name()))
            {
                throw node.error("name", "duplicate listener name \"" + listener.name() + "\"");
            }
            // port 0 (ephemeral) never collides
            if (listener.listen().getPort() != 0)
            {
                for (final Map.Entry<InetSocketAddress, String> other : bound.entrySet())
                {
                    if (overlap(listener.listen(), other.getKey()))
                    {
                        throw node.error("listen", "address " + HostPort.format(listener.listen()) +
                            (listener.listen().equals(other.getKey()) ? " is already used by" : " overlaps " +
                            HostPort.format(other.getKey()) + " of") + " listener \"" + other.getValue() +
                            "\": the second bind would fail with \"Address already in use\"");
                    }
                }
                bound.put(listener.listen(), listener.name());
            }
            result.add(listener);
        }
        return result;
    }

    /**
     * Two listen addresses the kernel would not let both bind: the same port on the same address, or on a
     * wildcard that covers the other (0.0.0.0 covers IPv4; [::] covers both families, as Java binds it
     * dual-stack).
     */
    private static boolean overlap(final InetSocketAddress a, final InetSocketAddress b)
    {
        if (a.getPort() != b.getPort())
        {
            return false;
        }
        final java.net.InetAddress x = a.getAddress();
        final java.net.InetAddress y = b.getAddress();
        if (x.equals(y))
        {
            return true;
        }
        if (x.isAnyLocalAddress() && y.isAnyLocalAddress())
        {
            return true;
        }
        return covers(x, y) || covers(y, x);
    }

    private static boolean covers(final java.net.InetAddress wildcard, final java.net.InetAddress other)
    {
        if (!wildcard.isAnyLocalAddress())
        {
            return false;
        }
        return wildcard instanceof java.net.Inet6Address || other instanceof java.net.Inet4Address;
    }

    private static ListenerConfig listener(
        final ConfigNode node, final Map<String, UpstreamConfig> upstreams, final HostPort.NameLookup lookup)
    {
        final String name = node.string("name");
        if (name.isBlank())
        {
            throw node.error("name", "must not be empty");
        }
        final InetSocketAddress listen;
        try
        {
            listen = HostPort.parseListen(node.string("listen"), lookup);
        }
        catch (final IllegalArgumentException ex)
        {
            throw node.error("listen", ex.getMessage());
        }
        final String modeText = node.string("mode");
        final ListenerConfig.Mode mode;
        try
        {
            mode = ListenerConfig.Mode.valueOf(modeText.toUpperCase(Locale.ROOT));
        }
        catch (final IllegalArgumentException ex)
        {
            throw node.error("mode", "unknown mode \"" + modeText + "\" (supported: tcp, http)");
        }
        final SniRoutes routes = SniRoutesLoader.routes(node, upstreams, mode == ListenerConfig.Mode.TCP);
        final String upstream = routes != null ? routes.upstream(Math.max(0, routes.defaultRoute())) :
            node.string("upstream");
        if (!upstreams.containsKey(upstream))
        {
            throw node.error("upstream", "no upstream named \"" + upstream + "\" (defined: " +
                String.join(", ", upstreams.keySet()) + ")");
        }
        return new ListenerConfig(
            name,
            listen,
            mode,
            upstream,
            keepAlive(node),
            node.durationNs("proxy-timeout", MIN_TIMEOUT_NS),
            node.durationNs("drain-timeout", 0),
            node.integer("backlog", 1, 65535),
            node.bool("reuseport"),
            node.bool("tcp-nodelay"),
            node.bytes("buffer-size", 1024, 16 * 1024 * 1024),
            node.bool("access-log"),
            format(node, "access-log-format"),
            mode == ListenerConfig.Mode.HTTP ? httpListener(node) : null,
            new ConnectionLimits(node.integer("max-connections", 0, Integer.MAX_VALUE),
                node.integer("max-connections-per-client", 0, Integer.MAX_VALUE)),
            userTimeout(node),
            proxyProtocol(node),
            routes,
            node.bool("half-close"));
    }

    private static ProxyProtocolConfig proxyProtocol(final ConfigNode node)
    {
        final List<Cidr> trusted = new ArrayList<>();
        final List<ConfigValue> values = node.list("proxy-protocol-trusted");
        for (int i = 0; i < values.size(); i++)
        {
            final ConfigValue value = values.get(i);
            final String key = node.key("proxy-protocol-trusted") + "[" + i + "]";
            final String where = ConfigNode.describe(value.origin(), node.location("proxy-protocol-trusted"));
            if (value.valueType() != ConfigValueType.STRING)
            {
                throw new ConfigError(where, key, "expected a string such as \"10.0.0.0/8\"");
            }
            try
            {
                trusted.add(Cidr.parse((String)value.unwrapped()));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigError(where, key, ex.getMessage());
            }
        }
        return new ProxyProtocolConfig(node.bool("proxy-protocol"),
            node.durationNs("proxy-protocol-timeout", MIN_TIMEOUT_NS), List.copyOf(trusted));
    }

    /** A PROXY header describes one client; a pooled HTTP upstream connection serves many. */
    private static void refuseProxyHeaderOnPool(
        final ConfigNode root, final ConfigNode listenerNode, final ListenerConfig listener,
        final UpstreamConfig upstream)
    {
        if (listener.mode() != ListenerConfig.Mode.HTTP || upstream.sendProxyProtocol() == SendProxyProtocol.OFF)
        {
            return;
        }
        final String own = ConfigUtil.joinPath("upstreams", upstream.name(), "send-proxy-protocol");
        final String path = root.config().hasPath(own) ? own : "upstream-defaults.send-proxy-protocol";
        throw new ConfigError(root.location(path), root.key(path), "applies only to upstreams of tcp listeners, " +
            "but http listener \"" + listener.name() + "\" (" + listenerNode.location("upstream") + ") uses " +
            "upstream \"" + upstream.name() + "\": its pooled connections serve many clients, a PROXY header " +
            "describes one");
    }

    private static HttpListenerConfig httpListener(final ConfigNode node)
    {
        final int maxRequestLine = node.bytes("max-request-line", 64, 1024 * 1024);
        final int maxHeaderSize = node.bytes("max-header-size", 256, 1024 * 1024);
        if (maxRequestLine > maxHeaderSize)
        {
            throw node.error("max-request-line", "must not exceed max-header-size (" + maxHeaderSize + " bytes)");
        }
        return new HttpListenerConfig(
            node.durationNs("keepalive-timeout", 0),
            node.integer("keepalive-requests", 1, Integer.MAX_VALUE),
            node.durationNs("keepalive-time", MIN_TIMEOUT_NS),
            node.durationNs("client-header-timeout", MIN_TIMEOUT_NS),
            node.durationNs("client-body-timeout", MIN_TIMEOUT_NS),
            node.durationNs("send-timeout", MIN_TIMEOUT_NS),
            node.longBytes("client-max-body-size", 0, Long.MAX_VALUE),
            maxRequestLine,
            maxHeaderSize,
            node.bool("add-x-forwarded"),
            node.bool("add-forwarded"),
            node.bool("allow-connect"));
    }
}
