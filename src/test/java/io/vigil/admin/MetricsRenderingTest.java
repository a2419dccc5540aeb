package io.vigil.admin;

import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What /metrics renders from its templates is, byte for byte, what the Prometheus client renders itself from the
 * same counters, in the Prometheus text format and in OpenMetrics: with label values that need escaping, counters
 * past 10^7 (written in scientific notation), histograms with sums, and after a reload changed the label sets.
 */
@Timeout(60)
class MetricsRenderingTest
{
    private static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /** Quotes, a backslash, a newline, spaces and non-ASCII: everything the exposition formats escape or encode. */
    private static final String ODD_NAME = "we\\\"b \\\\ \\n ü €";

    private TestUpstream echo;
    private TestOrigin origin;
    private VigilHarness vigil;

    private static String config(final String echo, final String origin, final String extraListener)
    {
        return "vigil { event-loops = 2, listeners = [" +
            "{ name = pub, listen = \"127.0.0.1:0\", upstream = echo }," +
            "{ name = \"" + ODD_NAME + "\", listen = \"127.0.0.1:0\", mode = http, upstream = web }" +
            extraListener + "]," +
            " upstreams { echo { servers = [\"" + echo + "\"] }, web { servers = [\"" + origin + "\"] } } }";
    }

    @BeforeEach
    void start() throws Exception
    {
        echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        origin = TestOrigin.start();
        vigil = VigilHarness.start(config(echo.hostPort(), origin.hostPort(), ""));
    }

    @AfterEach
    void stop() throws Exception
    {
        vigil.close();
        origin.close();
        echo.close();
    }

    @Test
    void shouldRenderVigilsFamiliesAsTheClientDoes() throws Exception
    {
        relay(11 * 1024 * 1024); // past 10^7 bytes each way: "1.1534336E7"
        for (int i = 0; i < 3; i++)
        {
            try (RawHttp http = new RawHttp(vigil.address("we\"b \\ \n ü €")))
            {
                assertEquals(200, http.get("/hello").status());
            }
        }
        final Metrics metrics = new Metrics(vigil.server(), "1.0-\"test\"");
        for (final String accept : new String[] {null, OPEN_METRICS})
        {
            for (int scrape = 0; scrape < 3; scrape++) // the first builds the template, the next ones reuse it
            {
                assertRendersAsClient(metrics, accept);
            }
        }
        final String text = body(metrics.scrape(null));
        assertTrue(text.contains("vigil_received_bytes_total{listener=\"pub\",side=\"client\"} 1.1534337E7"), text);
        assertTrue(text.contains("listener=\"we\\\"b \\\\ \\n ü €\""), text);
        assertTrue(text.contains("vigil_session_duration_seconds_sum{listener=\"pub\"} "), text);
    }

    @Test
    void shouldFollowTheLabelSetsAReloadChanges() throws Exception
    {
        final Metrics metrics = new Metrics(vigil.server(), "test");
        assertRendersAsClient(metrics, null);
        assertFalse(body(metrics.scrape(null)).contains("listener=\"added\""));
        vigil.reload(config(echo.hostPort(), origin.hostPort(),
            ", { name = added, listen = \"127.0.0.1:0\", upstream = echo }"));
        vigil.relayingClient("added").close();
        vigil.awaitClosed(1, Duration.ofSeconds(10)); // a live gauge (sessions to a server) must hold still
        assertRendersAsClient(metrics, null);
        assertRendersAsClient(metrics, OPEN_METRICS);
        final String text = body(metrics.scrape(null));
        assertTrue(text.contains("vigil_listener_connections_accepted_total{listener=\"added\"} 1.0"), text);
    }

    /** The scrape is the JVM's block (the client's own rendering, cached) and then Vigil's: compare Vigil's. */
    private static void assertRendersAsClient(final Metrics metrics, final String accept) throws Exception
    {
        final AdminResponse response = metrics.scrape(accept);
        final byte[] scrape = Arrays.copyOf(response.body(), response.length());
        final byte[] client = metrics.vigilFamiliesByClient(accept);
        final int jvm = scrape.length - client.length;
        assertTrue(jvm > 0, "the JVM's metrics come first");
        assertArrayEquals(client, Arrays.copyOfRange(scrape, jvm, scrape.length), () ->
            "ours:\n" + new String(scrape, jvm, client.length, StandardCharsets.UTF_8) + "\nthe client's:\n" +
            new String(client, StandardCharsets.UTF_8));
        assertTrue(metrics.rendersWithTemplates(), "the template was built, not the client's fallback");
        final String jvmPart = new String(scrape, 0, jvm, StandardCharsets.UTF_8);
        assertTrue(jvmPart.startsWith("# ") && jvmPart.contains("\njvm_memory_used_bytes{area=\"heap\"} "), jvmPart);
        assertFalse(jvmPart.contains("vigil_") || jvmPart.contains("# EOF"), jvmPart);
    }

    private static String body(final AdminResponse response)
    {
        return new String(response.body(), 0, response.length(), StandardCharsets.UTF_8);
    }

    /** Moves bytes through the tcp listener and back, then closes, so that a session's duration is recorded. */
    private void relay(final int bytes) throws Exception
    {
        try (Socket client = vigil.relayingClient("pub"))
        {
            final InputStream in = client.getInputStream();
            final CompletableFuture<Long> echoed = CompletableFuture.supplyAsync(() ->
            {
                final byte[] buffer = new byte[64 * 1024];
                long total = 0;
                try
                {
                    while (total < bytes)
                    {
                        final int n = in.read(buffer);
                        if (n < 0)
                        {
                            break;
                        }
                        total += n;
                    }
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
                return total;
            });
            final OutputStream out = client.getOutputStream();
            final byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < bytes; sent += chunk.length)
            {
                out.write(chunk, 0, Math.min(chunk.length, bytes - sent));
            }
            assertEquals(bytes, echoed.get());
        }
        vigil.awaitClosed(1, Duration.ofSeconds(10));
    }
}
