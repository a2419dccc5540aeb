package io.vigil.http;

import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client keep-alive and upstream connection reuse, proven by counting the TCP connections the origin accepted.
 */
class HttpKeepAliveTest extends OriginBehindVigil
{
    @Test
    void thousandSequentialRequestsUseOneConnectionEachSide() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            for (int i = 0; i < 1000; i++)
            {
                final RawHttp.Response response = http.get("/hello?i=" + i);
                assertEquals(200, response.status());
                assertEquals("hello", response.body());
                assertEquals("1", response.header("x-conn"), "request " + i + " went over another upstream connection");
            }
        }
        assertEquals(1, origin.connections());
        assertEquals(1000, origin.requests());
    }

    @Test
    void httpClientsShareThePoolWithoutOpeningMoreThanConcurrencyNeeds() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", "keepalive { idle = 16 }"));
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final URI uri = URI.create("http://127.0.0.1:" + vigil.address("web").getPort() + "/hello");
        final ExecutorService threads = Executors.newFixedThreadPool(16);
        try
        {
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 16; t++)
            {
                results.add(threads.submit(() ->
                {
                    int ok = 0;
                    for (int i = 0; i < 100; i++)
                    {
                        final HttpResponse<String> response = client.send(
                            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                        ok += response.statusCode() == 200 && response.body().equals("hello") ? 1 : 0;
                    }
                    return ok;
                }));
            }
            int ok = 0;
            for (final Future<Integer> result : results)
            {
                ok += result.get(60, TimeUnit.SECONDS);
            }
            assertEquals(1600, ok);
        }
        finally
        {
            threads.shutdownNow();
        }
        // at most 16 requests are in flight, and 16 idle connections are kept: never a 17th connection
        assertTrue(origin.connections() <= 16, "origin accepted " + origin.connections() + " connections");
        assertEquals(1600, origin.requests());
    }

    @Test
    void hundredClientsTimesHundredRequestsReuseConnections() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", "keepalive { idle = 16 }"));
        final ExecutorService threads = Executors.newFixedThreadPool(100);
        try
        {
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 100; t++)
            {
                results.add(threads.submit(() ->
                {
                    int ok = 0;
                    try (RawHttp http = client())
                    {
                        for (int i = 0; i < 100; i++)
                        {
                            ok += http.get("/hello").status() == 200 ? 1 : 0;
                        }
                    }
                    return ok;
                }));
            }
            int ok = 0;
            for (final Future<Integer> result : results)
            {
                ok += result.get(120, TimeUnit.SECONDS);
            }
            assertEquals(10_000, ok);
        }
        finally
        {
            threads.shutdownNow();
        }
        // 100 clients need up to 100 connections at once: connections over the 16 kept idle are trimmed only
        // after a second unused, so a busy pool barely churns. On a loaded machine a client can stall past that
        // second and a trimmed connection is reopened, so the bound is loose; without reuse it would be 10,000.
        assertTrue(origin.connections() <= 200, "origin accepted " + origin.connections() + " connections");
        Await.until(() -> origin.openConnections() <= 16, Duration.ofSeconds(5),
            "idle upstream connections trimmed to keepalive.idle");
    }

    @Test
    void keepaliveRequestsEndsTheClientConnectionButNotTheUpstreamOne() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", keepalive-requests = 3", ""));
        try (RawHttp http = client())
        {
            assertNull(http.get("/hello").header("connection"));
            assertNull(http.get("/hello").header("connection"));
            assertEquals("close", http.get("/hello").header("connection"));
            assertTrue(http.closedByPeer());
        }
        try (RawHttp http = client())
        {
            assertEquals("1", http.get("/hello").header("x-conn"), "the upstream connection was pooled");
        }
        assertEquals(1, origin.connections());
    }

    @Test
    void keepaliveTimeoutClosesAnIdleClientConnection() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", keepalive-timeout = 500ms", ""));
        try (RawHttp http = client())
        {
            assertEquals(200, http.get("/hello").status());
            final long start = System.nanoTime();
            assertTrue(http.closedByPeer());
            final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 400 && ms < 3000, "closed after " + ms + " ms");
        }
        vigil.awaitAccessLog("reason=idle_timeout");
    }

    @Test
    void clientConnectionCloseIsHonouredWithoutPoisoningThePool() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            http.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            final RawHttp.Response response = http.read(false);
            assertEquals(200, response.status());
            assertEquals("close", response.header("connection"));
            assertTrue(http.closedByPeer());
        }
        assertTrue(!origin.received().toLowerCase().contains("connection: close"),
            "the client's Connection: close is hop-by-hop and was not forwarded");
        try (RawHttp http = client())
        {
            assertEquals("1", http.get("/hello").header("x-conn"));
        }
        assertEquals(1, origin.connections());
    }

    @Test
    void shouldSendItsFinAtOnceWhenItClosesAfterAResponse() throws Exception
    {
        // lingering reads what the client still sends for up to 5 s, but only after Vigil's FIN went out: a client
        // that waits for the close to end its read must not wait for the lingering
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            http.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertEquals(200, http.read(false).status());
            http.socket().setSoTimeout((int)(HttpLinger.LINGER_NS / 2 / 1_000_000));
            assertTrue(http.closedByPeer(), "Vigil's FIN came before half the lingering time");
        }
        vigil.awaitAccessLog("reason=eof side=proxy"); // the client closed after the FIN; Vigil read its EOF
    }

    @Test
    void upstreamConnectionCloseKeepsTheClientConnection() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            final RawHttp.Response closing = http.get("/close");
            assertEquals("bye", closing.body());
            assertNull(closing.header("connection"), "the upstream's Connection: close is not the client's");
            assertEquals("2", http.get("/hello").header("x-conn"), "a new upstream connection after the close");
            assertEquals("2", http.get("/hello").header("x-conn"));
        }
        assertEquals(2, origin.connections());
    }

    @Test
    void drainingClosesIdleConnectionsAndEndsBusyOnesAfterTheirResponse() throws Exception
    {
        // the busy request outlasts the idle connection's close by seconds, and the drain's shutdown-timeout
        // outlasts the busy request by seconds: with /slow/700 inside the shared config's 1 s timeout, a loaded
        // machine's few hundred ms of scheduling delay cut the busy response off or made "at once" look like "at
        // the end"
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", "")
            .replace("shutdown-timeout = 1s", "shutdown-timeout = 15s"));
        try (RawHttp idle = client(); RawHttp busy = client())
        {
            assertEquals(200, idle.get("/hello").status());
            busy.send("GET /slow/3000 HTTP/1.1\r\nHost: a\r\n\r\n");
            Await.until(() -> origin.requests() == 2, Duration.ofSeconds(5), "slow request at the origin");
            final long start = System.nanoTime();
            final CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> vigil.server().shutdown());
            assertTrue(idle.closedByPeer(), "idle keep-alive connection closed");
            final long idleClosedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(idleClosedMs < 2000, "idle connection closed " + idleClosedMs +
                " ms into the drain, not at its end (3 s, when the busy response is done)");
            final RawHttp.Response response = busy.read(false);
            assertEquals("slow", response.body(), "the request in flight completes");
            assertEquals("close", response.header("connection"), "and announces the close");
            assertTrue(busy.closedByPeer());
            assertTrue(drained.get(20, TimeUnit.SECONDS), "drained within shutdown-timeout");
        }
    }

    @Test
    void http10UpstreamDoesNotEndTheClientConnection() throws Exception
    {
        // a raw HTTP/1.0 origin that closes after each response, like python3 -m http.server
        try (java.net.ServerSocket old = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()))
        {
            final Thread server = new Thread(() ->
            {
                for (int i = 0; i < 2; i++)
                {
                    try (java.net.Socket s = old.accept())
                    {
                        final java.io.InputStream in = s.getInputStream();
                        while (!new String(in.readNBytes(1)).equals("\n") || in.available() > 2)
                        {
                            // skip the request head; the last line is the empty one
                        }
                        s.getOutputStream().write("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold".getBytes());
                    }
                    catch (final java.io.IOException ex)
                    {
                        return;
                    }
                }
            });
            server.setDaemon(true);
            server.start();
            vigil = VigilHarness.start(HttpConfigs.web(1, "\"127.0.0.1:" + old.getLocalPort() + "\"", "", ""));
            try (RawHttp http = client())
            {
                for (int i = 0; i < 2; i++)
                {
                    final RawHttp.Response response = http.get("/");
                    assertEquals("old", response.body());
                    assertTrue(response.raw().startsWith("HTTP/1.1 200 OK\r\n"), "Vigil's own version: " +
                        response.raw());
                    assertNull(response.header("connection"), "the client connection stays open");
                }
            }
        }
    }

    @Test
    void accessLogCanBeTurnedOff() throws Exception
    {
        // one loop writes both listeners' lines in order: once the "on" listener's line is there, a line of the
        // "off" listener written before it would be there too (the log is written by another thread)
        vigil = VigilHarness.start("vigil { event-loops = 1, shutdown-timeout = 1s\n listeners = [" +
            "{ name = quiet, listen = \"127.0.0.1:0\", mode = http, upstream = app, access-log = false }," +
            "{ name = loud, listen = \"127.0.0.1:0\", mode = http, upstream = app }]\n" +
            " upstreams { app { servers = [\"" + origin.hostPort() + "\"] } } }");
        try (RawHttp http = new RawHttp(vigil.address("quiet")))
        {
            assertEquals(200, http.get("/quiet").status());
        }
        vigil.awaitClosed(1, Duration.ofSeconds(5));
        try (RawHttp http = new RawHttp(vigil.address("loud")))
        {
            assertEquals(200, http.get("/loud").status());
        }
        vigil.awaitClosed(2, Duration.ofSeconds(5));
        vigil.awaitAccessLog("listener=loud client=");
        vigil.awaitAccessLog("connection_closed");
        assertFalse(vigil.accessLog().contains("listener=quiet"), vigil.accessLog());
    }

    @Test
    void http10GetsKeepAliveOnlyWhenItAsks() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            http.send("GET /hello HTTP/1.0\r\n\r\n");
            final RawHttp.Response response = http.read(false);
            assertEquals("hello", response.body());
            assertEquals("close", response.header("connection"));
            assertTrue(http.closedByPeer());
        }
        try (RawHttp http = client())
        {
            for (int i = 0; i < 3; i++)
            {
                http.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                final RawHttp.Response response = http.read(false);
                assertEquals("hello", response.body());
                assertEquals("keep-alive", response.header("connection"));
            }
        }
        assertEquals(1, origin.connections(), "HTTP/1.0 requests reuse the upstream connection too");
    }
}
