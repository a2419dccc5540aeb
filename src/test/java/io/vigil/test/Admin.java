package io.vigil.test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of Vigil's admin listener for tests: one request per connection, as the listener serves them, and a
 * reader of Prometheus text samples.
 */
public final class Admin
{
    private Admin()
    {
    }

    /**
     * @param admin the admin listener.
     * @param path  path and query.
     * @return the response.
     * @throws IOException when the exchange fails.
     */
    public static RawHttp.Response get(final InetSocketAddress admin, final String path) throws IOException
    {
        return request(admin, "GET " + path + " HTTP/1.1\r\nHost: admin\r\n\r\n");
    }

    /**
     * @param admin the admin listener.
     * @param path  path.
     * @return the response.
     * @throws IOException when the exchange fails.
     */
    public static RawHttp.Response post(final InetSocketAddress admin, final String path) throws IOException
    {
        return request(admin, "POST " + path + " HTTP/1.1\r\nHost: admin\r\nContent-Length: 0\r\n\r\n");
    }

    /**
     * @param admin   the admin listener.
     * @param request the whole request.
     * @return the response.
     * @throws IOException when the exchange fails.
     */
    public static RawHttp.Response request(final InetSocketAddress admin, final String request) throws IOException
    {
        try (RawHttp http = new RawHttp(admin))
        {
            http.send(request);
            return http.read(request.startsWith("HEAD "));
        }
    }

    /**
     * @param admin  the admin listener.
     * @param series a series as Prometheus text writes it, e.g.
     *               {@code vigil_listener_connections_accepted_total{listener="pub"}}.
     * @return its value on /metrics now, or -1 when absent.
     * @throws IOException when the scrape fails.
     */
    public static double metric(final InetSocketAddress admin, final String series) throws IOException
    {
        return sample(get(admin, "/metrics").body(), series);
    }

    /**
     * @param text   a Prometheus text scrape.
     * @param series a series, name and labels exactly as written.
     * @return its value, or -1 when absent.
     */
    public static double sample(final String text, final String series)
    {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}
