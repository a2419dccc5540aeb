package io.vigil.http;

import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the client sees when the upstream side misbehaves: pooled connections the origin closes (idle close,
 * Keep-Alive timeout, crash, the close-as-a-request-arrives race) cost idempotent requests nothing; timeouts and
 * unreachable or full upstreams get 504/502/503.
 */
@Timeout(30)
class HttpUpstreamFailureTest extends OriginBehindVigil
{
    @Test
    void originIdleCloseEvictsThePooledConnection() throws Exception
    {
        origin.idleCloseMs(200);
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            assertEquals("1", http.get("/hello").header("x-conn"));
            Await.until(() -> origin.openConnections() == 0, Duration.ofSeconds(5), "origin closed the idle one");
            final RawHttp.Response next = http.get("/hello");
            assertEquals(200, next.status());
            assertEquals("2", next.header("x-conn"));
        }
        assertEquals(2, origin.requests(), "the closed connection was never handed a request");
    }

    @Test
    void originKeepAliveTimeoutIsHonouredBeforeItRunsOut() throws Exception
    {
        origin.extraHeaders("Keep-Alive: timeout=2\r\n");
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            assertEquals(200, http.get("/hello").status());
            final long released = System.nanoTime();
            // the origin never closes by itself here: only Vigil can end the connection, and must before 2 s
            Await.until(() -> origin.openConnections() == 0, Duration.ofSeconds(5), "pooled connection closed");
            final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);
            assertTrue(ms >= 800 && ms < 2000, "closed " + ms + " ms after the response, for timeout=2");
        }
    }

    @Test
    void reusedConnectionClosedAsTheRequestArrivesIsRetriedForIdempotentMethods() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            assertEquals("1", http.get("/hello").header("x-conn"));
            origin.dropNextReusedRequest();
            final RawHttp.Response retried = http.get("/hello");
            assertEquals(200, retried.status(), "GET is retried on a fresh connection");
            assertEquals("2", retried.header("x-conn"));

            origin.dropNextReusedRequest();
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
            assertEquals(502, http.read(false).status(), "POST is not replayed");
            assertEquals("3", http.get("/hello").header("x-conn"));
        }
        final String seen = origin.received();
        assertEquals(seen.indexOf("POST /echo"), seen.lastIndexOf("POST /echo"), "exactly one POST reached the origin");
        vigil.awaitAccessLog("request=POST /echo status=502");
    }

    @Test
    void originCrashCostsTheNextRequestNothing() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            assertEquals(200, http.get("/hello").status());
            origin.resetAll();
            Await.until(() -> origin.openConnections() == 0, Duration.ofSeconds(5), "reset");
            final RawHttp.Response next = http.get("/hello");
            assertEquals(200, next.status());
            assertEquals("2", next.header("x-conn"));
        }
    }

    @Test
    void slowUpstreamGets504AfterReadTimeout() throws Exception
    {
        // max-fails=0: the timeout is not counted, so the next request may use the same server at once
        vigil = VigilHarness.start(HttpConfigs.web(1, "\"" + origin.hostPort() + " max-fails=0\"", "",
            "read-timeout = 500ms"));
        try (RawHttp http = client())
        {
            final long start = System.nanoTime();
            final RawHttp.Response response = http.get("/slow/3000");
            final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(504, response.status());
            assertTrue(ms >= 450 && ms < 2500, "after " + ms + " ms");
            final RawHttp.Response next = http.get("/hello");
            assertEquals(200, next.status(), "the client connection continues");
            assertEquals("2", next.header("x-conn"), "the timed-out connection was closed");
        }
    }

    @Test
    void slowUploadAfter100ContinueIsNotAnUpstreamTimeoutNorAServerFailure() throws Exception
    {
        // the default max-fails=1: had the drip counted against the server, the next client would get 503
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", "read-timeout = 500ms"));
        final String body = "0123456789";
        try (RawHttp http = client())
        {
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length() +
                "\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, http.read(false).status());
            for (final char c : body.toCharArray())
            {
                http.send(String.valueOf(c)); // a drip slower than read-timeout in all: 10 x 200 ms
                Thread.sleep(200);
            }
            final RawHttp.Response response = http.read(false);
            assertEquals(200, response.status());
            assertEquals(body, response.body());
        }
        try (RawHttp http = client())
        {
            assertEquals(200, http.get("/hello").status(), "the server is still up for everyone else");
        }
        assertFalse(vigil.accessLog().contains("reason=timeout"), vigil.accessLog());
    }

    @Test
    void stalledUploadAfter100ContinueGets408NotAClose() throws Exception
    {
        // a final response may always follow an interim one
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", client-body-timeout = 500ms", ""));
        try (RawHttp http = client())
        {
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, http.read(false).status());
            http.send("half");
            assertEquals(408, http.read(false).status());
            assertTrue(http.closedByPeer());
        }
        try (RawHttp http = client())
        {
            assertEquals(200, http.get("/hello").status(), "a stalled client is not the server's failure");
        }
    }

    @Test
    void allServersBusyGets503() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(1, "\"" + origin.hostPort() + " max-conns=1\"", "", ""));
        try (RawHttp slow = client(); RawHttp http = client())
        {
            final CompletableFuture<Integer> held = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return slow.get("/slow/1500").status();
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            Await.until(() -> origin.requests() == 1, Duration.ofSeconds(5), "slow request in flight");
            assertEquals(503, http.get("/hello").status());
            assertEquals(200, held.get(5, TimeUnit.SECONDS));
            assertEquals(200, http.get("/hello").status(), "served once the server has room again");
        }
    }

    @Test
    void unreachableUpstreamGets502() throws Exception
    {
        final int deadPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            deadPort = probe.getLocalPort();
        }
        vigil = VigilHarness.start(HttpConfigs.web(1, "\"127.0.0.1:" + deadPort + "\"", "", ""));
        try (RawHttp http = client())
        {
            final RawHttp.Response response = http.get("/hello");
            assertEquals(502, response.status());
            assertTrue(response.body().startsWith("502"));
        }
        vigil.awaitAccessLog("status=502 upstream=127.0.0.1:" + deadPort);
    }

    @Test
    void withoutPoolingEachRequestGetsItsOwnConnection() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", "keepalive { idle = 0 }"));
        try (RawHttp http = client())
        {
            for (int i = 1; i <= 3; i++)
            {
                assertEquals(String.valueOf(i), http.get("/hello").header("x-conn"));
            }
        }
        assertTrue(origin.received().contains("Connection: close\r\n"), "the upstream is told not to keep it");
        Await.until(() -> origin.openConnections() == 0, Duration.ofSeconds(5), "none kept");
    }
}
