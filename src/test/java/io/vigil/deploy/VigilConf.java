package io.vigil.deploy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import io.vigil.config.KeepAliveSyntax;
import io.vigil.net.KeepAlive;
import io.vigil.net.HostPort;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The vigil.conf a manifest ships, read with the same HOCON parser Vigil uses, for the facts the manifests must
 * agree with (admin port, drain times, listener ports, keepalive, upstream names).
 */
final class VigilConf
{
    private final String text;
    private final Config config;

    VigilConf(final String text, final String source)
    {
        this.text = text;
        this.config = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(source));
    }

    String text()
    {
        return text;
    }

    /**
     * @param keys paths to leave out, e.g. {@code vigil.shutdown-delay}.
     * @return the config as HOCON without them.
     */
    String without(final String... keys)
    {
        Config trimmed = config;
        for (final String key : keys)
        {
            trimmed = trimmed.withoutPath(key);
        }
        return trimmed.root().render(ConfigRenderOptions.concise().setFormatted(true));
    }

    /** @return {@code admin.listen} (issue 11), or null when there is no admin listener. */
    InetSocketAddress adminListen()
    {
        if (!config.hasPath("vigil.admin.listen") || "off".equals(config.getString("vigil.admin.listen")))
        {
            return null;
        }
        return HostPort.parseListen(config.getString("vigil.admin.listen"));
    }

    boolean watchConfig()
    {
        return config.hasPath("vigil.watch-config") && config.getBoolean("vigil.watch-config");
    }

    /** @return {@code shutdown-delay} in seconds, rounded up (default 0, issue 12). */
    long shutdownDelaySec()
    {
        return seconds("vigil.shutdown-delay", 0);
    }

    /** @return {@code shutdown-timeout} in seconds, rounded up (Vigil's default 10 s). */
    long shutdownTimeoutSec()
    {
        return seconds("vigil.shutdown-timeout", 10);
    }

    private long seconds(final String path, final long fallback)
    {
        if (!config.hasPath(path))
        {
            return fallback;
        }
        final long ms = config.getDuration(path, TimeUnit.MILLISECONDS);
        return (ms + 999) / 1000;
    }

    /** @return the first listener's port on the pod's loopback, as a peer command takes it ("127.0.0.1:port"). */
    String firstListenerTarget()
    {
        return "127.0.0.1:" + listeners().values().iterator().next().getPort();
    }

    /** @return the admin listener's port on the pod's loopback, as a peer command takes it ("127.0.0.1:port"). */
    String adminTarget()
    {
        return "127.0.0.1:" + adminListen().getPort();
    }

    /** @return listener name to listen address, in order. */
    Map<String, InetSocketAddress> listeners()
    {
        final Map<String, InetSocketAddress> listeners = new java.util.LinkedHashMap<>();
        for (final Config listener : config.getConfigList("vigil.listeners"))
        {
            listeners.put(listener.getString("name"), HostPort.parseListen(listener.getString("listen")));
        }
        return listeners;
    }

    /** @return listener name to its client-side so-keepalive (Vigil's default "default" when absent). */
    Map<String, KeepAlive> listenerKeepAlives()
    {
        final Map<String, KeepAlive> keepAlives = new java.util.LinkedHashMap<>();
        for (final Config listener : config.getConfigList("vigil.listeners"))
        {
            keepAlives.put(listener.getString("name"), listener.hasPath("so-keepalive") ?
                KeepAliveSyntax.parse(listener.getString("so-keepalive")) : KeepAlive.NOT_SET);
        }
        return keepAlives;
    }

    /** @return every port Vigil binds: listeners and the admin listener. */
    List<Integer> boundPorts()
    {
        final List<Integer> ports = new ArrayList<>();
        listeners().values().forEach(address -> ports.add(address.getPort()));
        if (adminListen() != null)
        {
            ports.add(adminListen().getPort());
        }
        return ports;
    }

    /** @return each upstream server as "host:port", options removed. */
    Set<Map.Entry<String, Integer>> upstreamServers()
    {
        final Set<Map.Entry<String, Integer>> servers = new LinkedHashSet<>();
        for (final String upstream : config.getObject("vigil.upstreams").keySet())
        {
            for (final String server : config.getStringList("vigil.upstreams." + upstream + ".servers"))
            {
                servers.add(HostPort.splitServer(server.trim().split("\\s+")[0]));
            }
        }
        return servers;
    }
}
