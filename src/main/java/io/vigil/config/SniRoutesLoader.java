package io.vigil.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reads a listener's {@code routes { "api.example.com" = api, "*.example.com" = web, default = web }} and its
 * {@code preread-timeout} into {@link SniRoutes}, refusing anything that could not route as written: an unknown
 * upstream, a name that is no DNS name, a wildcard other than a leading {@code *.}, the same name twice (names
 * compare case-insensitively), routes on an HTTP listener, or routes next to {@code upstream}.
 */
final class SniRoutesLoader
{
    private static final String DEFAULT = "default";
    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    private SniRoutesLoader()
    {
    }

    /**
     * @param node      the listener, layered over the defaults.
     * @param upstreams the defined upstream groups.
     * @param tcp       whether the listener is in tcp mode.
     * @return the routes, or null when the listener has none.
     */
    static SniRoutes routes(final ConfigNode node, final Map<String, UpstreamConfig> upstreams, final boolean tcp)
    {
        if (!node.config().hasPath("routes"))
        {
            return null;
        }
        if (!tcp)
        {
            throw node.error("routes", "applies only to mode = tcp (Vigil does not terminate TLS: routes choose an " +
                "upstream by the server name in the client's TLS ClientHello)");
        }
        if (node.config().hasPath("upstream"))
        {
            throw node.error("upstream", "a listener has either upstream or routes; with routes, write " +
                "default = <upstream> among them");
        }
        final ConfigObject written = node.object("routes");
        if (written.isEmpty())
        {
            throw node.error("routes", "needs at least one route, e.g. { \"api.example.com\" = api, default = web }");
        }
        final List<String> targets = new ArrayList<>();
        final Map<String, Integer> exact = new HashMap<>();
        final Map<String, Integer> wildcards = new HashMap<>();
        final Map<String, String> seen = new HashMap<>();
        int defaultRoute = SniRoutes.REFUSE;
        // sorted: route numbers do not depend on the map's iteration order
        for (final Map.Entry<String, ConfigValue> entry : new TreeMap<>(written).entrySet())
        {
            final String key = entry.getKey();
            final ConfigValue value = entry.getValue();
            final String where = ConfigNode.describe(value.origin(), node.location("routes"));
            final String path = node.key("routes") + ".\"" + key + "\"";
            if (value.valueType() == ConfigValueType.OBJECT)
            {
                throw new ConfigError(where, path, "expected an upstream name; quote server names, which contain " +
                    "dots: \"" + key + ".example.com\" = <upstream>");
            }
            if (value.valueType() != ConfigValueType.STRING)
            {
                throw new ConfigError(where, path, "expected an upstream name, got " + value.render());
            }
            final String upstream = (String)value.unwrapped();
            if (!upstreams.containsKey(upstream))
            {
                throw new ConfigError(where, path, "no upstream named \"" + upstream + "\" (defined: " +
                    String.join(", ", upstreams.keySet()) + ")");
            }
            int route = targets.indexOf(upstream);
            if (route < 0)
            {
                route = targets.size();
                targets.add(upstream);
            }
            if (key.equals(DEFAULT))
            {
                defaultRoute = route;
                continue;
            }
            final boolean wildcard = key.startsWith("*.");
            final String name = hostName(wildcard ? key.substring(2) : key, where, path);
            final String stored = wildcard ? "." + name : name;
            final String earlier = seen.put((wildcard ? "*" : "") + stored, key);
            if (earlier != null)
            {
                throw new ConfigError(where, path, "the same name as \"" + earlier + "\" (names compare " +
                    "case-insensitively)");
            }
            (wildcard ? wildcards : exact).put(stored, route);
        }
        final long prereadTimeoutNs = node.durationNs("preread-timeout", TimeUnit.MILLISECONDS.toNanos(1));
        return new SniRoutes(List.copyOf(targets), Map.copyOf(exact), Map.copyOf(wildcards), defaultRoute,
            prereadTimeoutNs);
    }

    private static String hostName(final String written, final String where, final String path)
    {
        final String name = (written.endsWith(".") ? written.substring(0, written.length() - 1) : written)
            .toLowerCase(Locale.ROOT);
        String problem = null;
        if (name.isEmpty() || name.length() > MAX_NAME)
        {
            problem = "a server name has 1 to " + MAX_NAME + " characters";
        }
        else if (name.indexOf('*') >= 0)
        {
            problem = "a wildcard is a leading \"*.\" only, as in \"*.example.com\" (it matches one or more " +
                "labels; use default for everything else)";
        }
        else
        {
            for (final String label : name.split("\\.", -1))
            {
                if (label.isEmpty() || label.length() > MAX_LABEL || !label.matches("[a-z0-9_-]+"))
                {
                    problem = "\"" + written + "\" is not a DNS name (labels of 1-" + MAX_LABEL +
                        " letters, digits, '-' or '_'; internationalised names in their xn-- form)";
                    break;
                }
            }
        }
        if (problem != null)
        {
            throw new ConfigError(where, path, problem);
        }
        return name;
    }
}
