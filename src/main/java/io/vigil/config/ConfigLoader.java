package io.vigil.config;

import io.vigil.net.KeepAlive;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueType;
import io.vigil.net.Cidr;
import io.vigil.net.HostPort;
import io.vigil.net.UserTimeout;

import java.io.File;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads a HOCON file over the jar's {@code reference.conf} into an immutable {@link VigilConfig}. Every value
 * is checked here, once, so nothing is decided per connection; any refusal is a {@link ConfigError} naming the
 * file, line and key. Each listener is layered over {@code vigil.listener-defaults} and each upstream over
 * {@code vigil.upstream-defaults} (nginx's create + merge).
 */
public final class ConfigLoader
{
    private static final Set<String> LISTENER_REQUIRED = Set.of("name", "listen", "upstream");
    /** Listener keys with no default. */
    private static final Set<String> LISTENER_OPTIONAL = Set.of("routes");
    private static final Set<String> UPSTREAM_REQUIRED = Set.of("servers");
    private static final Set<String> UPSTREAM_KEEPALIVE_KEYS = Set.of("idle", "timeout", "requests", "time");
    /** Listener keys that mean something only with mode = http. */
    private static final Set<String> HTTP_LISTENER_KEYS = Set.of("keepalive-timeout", "keepalive-requests",
        "keepalive-time", "client-header-timeout", "client-body-timeout", "send-timeout", "client-max-body-size",
        "max-request-line", "max-header-size", "add-x-forwarded", "add-forwarded", "allow-connect");
    private static final Set<String> ADMIN_KEYS = Set.of("listen", "allow-remote-changes");
    private static final Set<String> HEALTH_CHECK_KEYS =
        Set.of("type", "interval", "timeout", "rise", "fall", "path", "expect-status");
    private static final long MIN_TIMEOUT_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private ConfigLoader()
    {
    }

    /**
     * @param file a HOCON file.
     * @return the validated configuration.
     * @throws ConfigError on any bad value, naming file, line and key.
     */
    public static VigilConfig load(final File file)
    {
        if (!file.isFile())
        {
            throw new ConfigError(file + ": cannot read configuration file (missing or not a file)");
        }
        final Config user;
        try
        {
            user = ConfigFactory.parseFile(file, ConfigParseOptions.defaults()
                .setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
        }
        catch (final ConfigException ex)
        {
            throw refusal(ex, file.getPath());
        }
        return build(user, file.getPath(), HostPort.SYSTEM_LOOKUP);
    }

    /**
     * @param text        HOCON text.
     * @param description how to name the source in messages.
     * @return the validated configuration.
     * @throws ConfigError on any bad value.
     */
    public static VigilConfig parse(final String text, final String description)
    {
        return parse(text, description, HostPort.SYSTEM_LOOKUP);
    }

    /**
     * {@link #parse(String, String)} resolving host names with the given lookup: tests and fuzzers load
     * arbitrary configurations without asking DNS.
     */
    static VigilConfig parse(final String text, final String description, final HostPort.NameLookup lookup)
    {
        final Config user;
        try
        {
            user = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(description));
        }
        catch (final ConfigException ex)
        {
            throw refusal(ex, description);
        }
        return build(user, description, lookup);
    }

    private static VigilConfig build(final Config user, final String source, final HostPort.NameLookup lookup)
    {
        // our own class loader: a reload runs on a thread a signal handler started, which has no context class loader
        final Config reference = ConfigFactory.defaultReference(ConfigLoader.class.getClassLoader());
        final Config merged;
        try
        {
            merged = user.withFallback(reference).resolve();
        }
        catch (final ConfigException ex)
        {
            throw refusal(ex, source);
        }
        // read from the resolved tree only: the user's own may still hold substitutions, which throw when touched
        final ConfigValue vigil = merged.root().get("vigil");
        if (vigil.valueType() != ConfigValueType.OBJECT)
        {
            // the user's unresolved tree still knows the line of a substitution
            final ConfigValue written = user.root().get("vigil");
            final String holder = ConfigNode.describe(written != null ? written.origin() : user.root().origin());
            throw new ConfigError(ConfigNode.describe(vigil.origin(), holder), "vigil", "expected an object");
        }
        final ConfigNode root = new ConfigNode(((ConfigObject)vigil).toConfig(), "vigil", vigil.origin());
        // every key the reference has is known, so the unknown ones are the user's
        root.rejectUnknownKeys((ConfigObject)vigil, reference.getObject("vigil").keySet());

        final int cores = Runtime.getRuntime().availableProcessors();
        final int loopsWritten = root.integer("event-loops", 0, 1024);
        final int eventLoops = loopsWritten == 0 ? cores : loopsWritten;
        final long shutdownDelayNs = root.durationNs("shutdown-delay", 0);
        final long shutdownTimeoutNs = root.durationNs("shutdown-timeout", 0);
        final boolean watchConfig = root.bool("watch-config");
        final long loopStallTimeoutNs = root.durationNs("loop-stall-timeout", 0);
        final LogFormat logFormat = format(root, "log-format");
        final AdminConfig admin = admin(root);

        final Config listenerDefaults = root.object("listener-defaults").toConfig();
        final Config upstreamDefaults = root.object("upstream-defaults").toConfig();
        final Map<String, UpstreamConfig> upstreams = upstreams(root, upstreamDefaults, lookup);
        final List<ListenerConfig> listeners = listeners(root, listenerDefaults, upstreams, lookup);
        return new VigilConfig(source, eventLoops, shutdownDelayNs, shutdownTimeoutNs, watchConfig,
            loopStallTimeoutNs, logFormat, admin, List.copyOf(listeners), Map.copyOf(upstreams));
    }

    /**
     * A parse or resolve failure as a ConfigError. Typesafe Config names the file and line in its message, except
     * for a value substituted from an environment variable or a system property: then at least the file is named.
     */
    private static ConfigError refusal(final ConfigException ex, final String source)
    {
        final ConfigOrigin origin = ex.origin();
        return new ConfigError(origin != null && origin.lineNumber() > 0 ? ex.getMessage() :
            source + ": " + ex.getMessage());
    }

    private static Map<String, UpstreamConfig> upstreams(
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
            final ConfigNode node = new ConfigNode(object.toConfig().withFallback(defaults), path, value.origin());
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
                servers.add(server((String)value.unwrapped(), lookup));
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
            upstream.key("keepalive"), written.origin());
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
            upstream.key("health-check"),
            written.origin());
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

    private static <E extends Enum<E>> E choice(final ConfigNode node, final String key, final Class<E> type)
    {
        final String text = node.string(key);
        try
        {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
        catch (final IllegalArgumentException ex)
        {
            final StringBuilder known = new StringBuilder();
            for (final E value : type.getEnumConstants())
            {
                known.append(known.length() == 0 ? "" : ", ").append(value.name().toLowerCase(Locale.ROOT)
                    .replace('_', '-'));
            }
            throw node.error(key, "unknown value \"" + text + "\" (one of: " + known + ")");
        }
    }

    static ServerConfig server(final String spec, final HostPort.NameLookup lookup)
    {
        final String[] parts = spec.trim().split("\\s+");
        final Map.Entry<String, Integer> hostPort = HostPort.splitServer(parts[0]);
        int weight = 1;
        int maxConns = 0;
        int maxFails = 1;
        long failTimeoutNs = TimeUnit.SECONDS.toNanos(10);
        boolean backup = false;
        boolean down = false;
        for (int i = 1; i < parts.length; i++)
        {
            final String option = parts[i];
            final int eq = option.indexOf('=');
            final String name = eq < 0 ? option : option.substring(0, eq);
            final String value = eq < 0 ? null : option.substring(eq + 1);
            switch (name)
            {
                case "weight" -> weight = optionInt(option, value, 1, 1000);
                case "max-conns" -> maxConns = optionInt(option, value, 0, 1_000_000);
                case "max-fails" -> maxFails = optionInt(option, value, 0, 1000);
                case "fail-timeout" -> failTimeoutNs = optionSeconds(option, value);
                case "backup" -> backup = flag(option, value);
                case "down" -> down = flag(option, value);
                default -> throw new IllegalArgumentException("unsupported server option \"" + option +
                    "\" (supported: weight=N max-conns=N max-fails=N fail-timeout=T backup down)");
            }
        }
        final List<InetSocketAddress> addresses;
        try
        {
            addresses = HostPort.resolveAll(hostPort.getKey(), hostPort.getValue(), lookup);
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new IllegalArgumentException("cannot resolve host \"" + hostPort.getKey() + "\" in \"" + spec + "\"",
                ex);
        }
        return new ServerConfig(spec, hostPort.getKey(), hostPort.getValue(), List.copyOf(addresses), weight,
            maxConns, maxFails, failTimeoutNs, backup, down);
    }

    private static int optionInt(final String option, final String value, final int min, final int max)
    {
        try
        {
            final int n = Integer.parseInt(value);
            if (n >= min && n <= max)
            {
                return n;
            }
        }
        catch (final NumberFormatException | NullPointerException ex)
        {
            // reported below
        }
        throw new IllegalArgumentException("invalid \"" + option + "\": expected a whole number " + min + ".." + max);
    }

    private static long optionSeconds(final String option, final String value)
    {
        try
        {
            final long seconds = NginxTime.parseSeconds(value == null ? "" : value);
            if (seconds >= 1)
            {
                return TimeUnit.SECONDS.toNanos(seconds);
            }
        }
        catch (final IllegalArgumentException ex)
        {
            // reported below
        }
        throw new IllegalArgumentException("invalid \"" + option + "\": expected a time such as 10s or 1m");
    }

    private static boolean flag(final String option, final String value)
    {
        if (value != null)
        {
            throw new IllegalArgumentException("\"" + option + "\" takes no value");
        }
        return true;
    }

    private static List<ListenerConfig> listeners(
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
            final ConfigNode node = new ConfigNode(object.toConfig().withFallback(defaults), path, value.origin());
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
            routes);
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

    private static LogFormat format(final ConfigNode node, final String key)
    {
        final String text = node.string(key);
        switch (text)
        {
            case "text":
                return LogFormat.TEXT;
            case "json":
                return LogFormat.JSON;
            default:
                throw node.error(key, "unknown format \"" + text + "\" (supported: text, json)");
        }
    }

    private static AdminConfig admin(final ConfigNode root)
    {
        final ConfigObject written = root.object("admin");
        final ConfigNode node = new ConfigNode(root.config().getConfig("admin"), root.key("admin"), written.origin());
        node.rejectUnknownKeys(written, ADMIN_KEYS);
        final String listen = node.string("listen");
        if (listen.equals("off") || listen.equals("false"))
        {
            return AdminConfig.OFF;
        }
        try
        {
            return new AdminConfig(HostPort.parseListen(listen), node.bool("allow-remote-changes"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw node.error("listen", ex.getMessage());
        }
    }

    private static KeepAlive keepAlive(final ConfigNode node)
    {
        try
        {
            return KeepAliveSyntax.parse(node.string("so-keepalive"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw node.error("so-keepalive", ex.getMessage());
        }
    }

    /** {@code user-timeout}: off, auto (needs so-keepalive on) or a time of 1ms..~24 days (an int of ms). */
    private static UserTimeout userTimeout(final ConfigNode node)
    {
        final String text = node.string("user-timeout");
        if (text.equals("off") || text.equals("false"))
        {
            return UserTimeout.OFF;
        }
        if (text.equals("auto"))
        {
            if (!keepAlive(node).enabled())
            {
                throw node.error("user-timeout", "auto means idle + intvl x cnt of so-keepalive, which is not on here");
            }
            return UserTimeout.AUTO;
        }
        final long ms = TimeUnit.NANOSECONDS.toMillis(node.durationNs("user-timeout", MIN_TIMEOUT_NS));
        if (ms > UserTimeout.MAX_MS)
        {
            throw node.error("user-timeout", "must be at most " + UserTimeout.MAX_MS + "ms");
        }
        return new UserTimeout(UserTimeout.Mode.FIXED, ms);
    }

    private static Set<String> union(final Set<String> a, final Set<String> b)
    {
        final Set<String> result = new HashSet<>(a);
        result.addAll(b);
        return result;
    }
}
