package io.vigil.config;

import java.util.List;
import java.util.Map;

/**
 * A tcp listener's routes by TLS server name (nginx {@code ssl_preread} + {@code map $ssl_preread_server_name},
 * HAProxy {@code req.ssl_sni}): exact names, wildcards {@code *.example.com} and a default. An exact name beats
 * any wildcard; among wildcards the longest suffix wins; {@code *.example.com} matches one or more labels before
 * {@code .example.com} (www.example.com and a.b.example.com, as nginx's wildcard names) and not example.com
 * itself. Names compare case-insensitively (stored in lower case; a trailing dot is ignored). Immutable.
 *
 * @param upstreams        the upstream names routes lead to, each once; a route is an index into this list.
 * @param exact            lower-case name to route.
 * @param wildcards        lower-case suffix with its leading dot (".example.com") to route.
 * @param defaultRoute     route for no server name, a name no route matches, or a stream that is not TLS;
 *                         {@link #REFUSE} to close those connections.
 * @param prereadTimeoutNs how long the ClientHello may take to arrive; then the route is chosen with what is known.
 */
public record SniRoutes(
    List<String> upstreams,
    Map<String, Integer> exact,
    Map<String, Integer> wildcards,
    int defaultRoute,
    long prereadTimeoutNs)
{
    /** No route: the connection is closed. */
    public static final int REFUSE = -1;

    /**
     * @param serverName a lower-case server name from a ClientHello, or null when there was none.
     * @return the route's index in {@link #upstreams()}, the default route, or {@link #REFUSE}.
     */
    public int route(final String serverName)
    {
        if (serverName == null || serverName.isEmpty() || serverName.charAt(0) == '.')
        {
            return defaultRoute;
        }
        final String name = serverName.endsWith(".") ?
            serverName.substring(0, serverName.length() - 1) : serverName;
        final Integer exactRoute = exact.get(name);
        if (exactRoute != null)
        {
            return exactRoute;
        }
        // longest suffix first: the first dot leaves the most labels in the suffix; a label must precede it
        for (int dot = name.indexOf('.', 1); dot > 0; dot = name.indexOf('.', dot + 1))
        {
            if (name.charAt(dot - 1) == '.')
            {
                return defaultRoute; // an empty label is no DNS name: nothing matches it
            }
            final Integer wildcardRoute = wildcards.get(name.substring(dot));
            if (wildcardRoute != null)
            {
                return wildcardRoute;
            }
        }
        return defaultRoute;
    }

    /**
     * @param route a route from {@link #route}.
     * @return its upstream's name, or null for {@link #REFUSE}.
     */
    public String upstream(final int route)
    {
        return route == REFUSE ? null : upstreams.get(route);
    }
}
