package io.vigil.http;

import io.vigil.test.TestOrigin;

/**
 * Configs for HTTP-mode tests: one listener "web" on an ephemeral port in front of upstream "app".
 */
final class HttpConfigs
{
    private HttpConfigs()
    {
    }

    /**
     * @param origin        the upstream server.
     * @param listenerExtra extra listener keys, e.g. ", keepalive-requests = 3".
     * @param upstreamExtra extra upstream keys, e.g. "keepalive { idle = 4 }".
     * @return the HOCON text.
     */
    static String web(final TestOrigin origin, final String listenerExtra, final String upstreamExtra)
    {
        return web(1, "\"" + origin.hostPort() + "\"", listenerExtra, upstreamExtra);
    }

    static String web(final int loops, final String servers, final String listenerExtra, final String upstreamExtra)
    {
        return "vigil { event-loops = " + loops + ", shutdown-timeout = 1s\n" +
            "  listeners = [{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = app" +
            listenerExtra + " }]\n" +
            "  upstreams { app { servers = [" + servers + "], connect-timeout = 2s\n" + upstreamExtra + " } }\n}";
    }
}
