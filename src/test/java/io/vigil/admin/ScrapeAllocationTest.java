package io.vigil.admin;

import io.vigil.test.Admin;
import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A steady scrape of /metrics, served by the admin thread end to end (accept, request, render, write), allocates
 * a few KB, not the ~450 KB that building the Prometheus client's model and text at every scrape cost (issue 11):
 * on a JVM with Serial GC that garbage is what made a scraper's young collections stop the data loops too. The
 * bound is generous (32 KiB per scrape, measured over many); the JVM's block is refreshed every 10 s, so a run
 * this short sees at most one refresh.
 */
@Timeout(60)
class ScrapeAllocationTest
{
    private static final int WARM_UP = 300;
    private static final int SCRAPES = 300;
    private static final long BOUND = 32 * 1024;
    private static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    @Test
    void shouldScrapeWithoutMakingGarbage() throws Exception
    {
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            TestOrigin origin = TestOrigin.start();
            VigilHarness vigil = VigilHarness.start("vigil { event-loops = 2, admin { listen = \"127.0.0.1:0\" }, " +
                "listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = echo }," +
                "{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = web }]," +
                " upstreams { echo { servers = [\"" + echo.hostPort() + "\"] }," +
                " web { servers = [\"" + origin.hostPort() + "\"] } } }");
            Socket open = vigil.relayingClient("pub"))
        {
            try (RawHttp http = new RawHttp(vigil.address("web")))
            {
                assertEquals(200, http.get("/").status());
            }
            final long admin = adminThreadId();
            for (final String accept : new String[] {null, OPEN_METRICS})
            {
                final long perScrape = bytesPerScrape(vigil.adminAddress(), admin, accept);
                assertTrue(perScrape < BOUND, "the admin thread allocated " + perScrape + " B per scrape (" +
                    (accept == null ? "text" : "OpenMetrics") + ")");
            }
        }
    }

    private static long bytesPerScrape(final InetSocketAddress admin, final long thread, final String accept)
        throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final String request = "GET /metrics HTTP/1.1\r\nHost: admin\r\n" +
            (accept == null ? "" : "Accept: " + accept + "\r\n") + "\r\n";
        for (int i = 0; i < WARM_UP; i++)
        {
            scrape(admin, request);
        }
        final long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < SCRAPES; i++)
        {
            scrape(admin, request);
        }
        final long perScrape = (threads.getThreadAllocatedBytes(thread) - before) / SCRAPES;
        System.out.println("admin thread: " + perScrape + " B per scrape (" + (accept == null ? "text" : accept) +
            ")");
        return perScrape;
    }

    private static void scrape(final InetSocketAddress admin, final String request) throws Exception
    {
        final RawHttp.Response response = Admin.request(admin, request);
        assertEquals(200, response.status());
        assertTrue(response.body().contains("vigil_listener_connections_active{listener=\"pub\"} 1.0"),
            response.body());
    }

    private static long adminThreadId()
    {
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().equals("vigil-admin"))
            {
                return thread.getId();
            }
        }
        throw new AssertionError("no vigil-admin thread");
    }
}
