package io.vigil.admin;

import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One admin request: method, path, query parameters, the Accept header, and who asked. Immutable.
 *
 * @param method the method, e.g. GET.
 * @param path   the path without the query.
 * @param query  query parameters (the last of repeated ones).
 * @param accept the Accept header, or null.
 * @param peer   the client's address.
 */
record AdminRequest(String method, String path, Map<String, String> query, String accept, InetAddress peer)
{
    /**
     * @param method the method.
     * @param target the request target as sent (origin-form).
     * @param accept the Accept header, or null.
     * @param peer   the client's address.
     * @return the request.
     */
    static AdminRequest of(final String method, final String target, final String accept, final InetAddress peer)
    {
        final int q = target.indexOf('?');
        final String path = q < 0 ? target : target.substring(0, q);
        final Map<String, String> query = new HashMap<>();
        if (q >= 0)
        {
            for (final String pair : target.substring(q + 1).split("&"))
            {
                if (pair.isEmpty())
                {
                    continue;
                }
                final int eq = pair.indexOf('=');
                try
                {
                    query.put(decode(eq < 0 ? pair : pair.substring(0, eq)),
                        eq < 0 ? "" : decode(pair.substring(eq + 1)));
                }
                catch (final IllegalArgumentException ex)
                {
                    // a malformed escape: leave the parameter out
                }
            }
        }
        return new AdminRequest(method, path, query, accept, peer);
    }

    private static String decode(final String text)
    {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /**
     * @return true for a loopback peer (127.0.0.0/8, ::1).
     */
    boolean fromLoopback()
    {
        return peer != null && peer.isLoopbackAddress();
    }
}
