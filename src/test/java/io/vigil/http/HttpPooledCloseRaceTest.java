package io.vigil.http;

import io.vigil.loop.EventLoop;
import io.vigil.runtime.VigilServer;
import io.vigil.stats.StatsLayout;
import io.vigil.stats.UpstreamCounters;
import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The origin closes an idle pooled connection and its FIN reaches Vigil after the loop's last select pass: the
 * loop is held (a command that waits) while the client's next request and then the FIN arrive, so one select pass
 * dispatches the request first and the request goes for a connection while the FIN waits undispatched. A GET
 * (replayable, held whole) takes the pooled connection without a probe read and, finding it closed, is sent again
 * on a fresh one; a POST is kept off it by the probe. Either way the client gets the origin's 200 and the origin
 * sees each request once. Bytes the origin sends unasked in place of the FIN (a 408, a late tail) are never the
 * GET's answer.
 */
@Timeout(30)
class HttpPooledCloseRaceTest
{
    private TestOrigin origin;
    private VigilHarness vigil;
    private final AtomicReference<SocketChannel[]> firstExchange = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception
    {
        origin = TestOrigin.start();
        // loop-stall-timeout = 0: holding the loop on purpose must not trip the watchdog
        vigil = VigilHarness.start("vigil { event-loops = 1, loop-stall-timeout = 0, shutdown-timeout = 1s, " +
            "listeners = [{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = app }], " +
            "upstreams { app { servers = [\"" + origin.hostPort() + "\"] } } }");
        vigil.onEstablished((client, upstream) -> firstExchange.compareAndSet(null,
            new SocketChannel[] {client, upstream}));
    }

    @AfterEach
    void stop() throws Exception
    {
        vigil.close();
        origin.close();
    }

    @Test
    void shouldSendAGetAgainOnAFreshConnectionWhenItsPooledOneClosedSinceTheLastSelect() throws Exception
    {
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            final RawHttp.Response response = raceOriginWith(http,
                "GET /status/200 HTTP/1.1\r\nHost: a\r\n\r\n", origin::closeAll);
            assertEquals(200, response.status(), response.raw());
            assertEquals("2", response.header("x-conn"), "answered on a fresh connection");
        }
        // the closed connection was handed out (no probe read) and the request sent again
        final String log = vigil.awaitAccessLog("request=GET /status/200 status=200");
        assertTrue(log.lines().anyMatch(l -> l.contains("request=GET /status/200") && l.contains("reused=1")), log);
        assertEquals(0, upstreamStat(UpstreamCounters.POOL_EVICTED_BY_PEER), "the FIN was not dispatched first");
    }

    @Test
    void shouldKeepAPostOffAPooledConnectionThatClosedSinceTheLastSelect() throws Exception
    {
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            final RawHttp.Response response = raceOriginWith(http,
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", origin::closeAll);
            assertEquals(200, response.status(), response.raw());
            assertEquals("abc", response.body());
            assertEquals("2", response.header("x-conn"), "answered on a fresh connection");
        }
        final String seen = origin.received();
        assertEquals(seen.indexOf("POST /echo"), seen.lastIndexOf("POST /echo"), "exactly one POST reached the origin");
        assertEquals(1, upstreamStat(UpstreamCounters.POOL_EVICTED_BY_PEER), "the probe read found the FIN");
    }

    @Test
    void shouldSendAGetAgainOnAFreshConnectionWhenItsPooledOneWasResetSinceTheLastSelect() throws Exception
    {
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            final RawHttp.Response response = raceOriginWith(http, "GET /status/200 HTTP/1.1\r\nHost: a\r\n\r\n",
                origin::resetAll);
            assertEquals(200, response.status(), response.raw());
            assertEquals("2", response.header("x-conn"), "answered on a fresh connection");
        }
        final String seen = origin.received();
        assertEquals(seen.indexOf("GET /status/200"), seen.lastIndexOf("GET /status/200"), "sent on once");
    }

    @Test
    void shouldNeverAnswerAGetWithBytesThePooledConnectionCarriedBeforeTheRequest() throws Exception
    {
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            // bytes nobody asked for on the idle connection (a server's 408 before its idle close, the late tail of
            // an earlier answer): they are not this client's answer, whatever they look like
            final RawHttp.Response response = raceOriginWith(http, "GET /status/200 HTTP/1.1\r\nHost: a\r\n\r\n",
                () -> origin.sendToAll("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Stray: 1\r\n\r\nstray"));
            assertEquals(200, response.status(), response.raw());
            assertNull(response.header("x-stray"), response.raw());
            assertEquals("2", response.header("x-conn"), "answered on a fresh connection");
        }
    }

    /**
     * One exchange to fill the pool, then the race: hold the loop, send {@code request}, once it is readable at
     * Vigil let the origin act on the pooled connection ({@code originAction}: close it, or send bytes unasked),
     * once that is readable too let the loop go.
     */
    private RawHttp.Response raceOriginWith(final RawHttp http, final String request, final Runnable originAction)
        throws Exception
    {
        assertEquals("1", http.get("/hello").header("x-conn"));
        Await.until(() -> upstreamStat(UpstreamCounters.POOL_IDLE) == 1, Duration.ofSeconds(5), "pooled");
        final SocketChannel client = firstExchange.get()[0];
        final SocketChannel upstream = firstExchange.get()[1];
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        assertTrue(loop().execute(() ->
        {
            held.countDown();
            try
            {
                release.await(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }));
        try (Selector watcher = Selector.open())
        {
            assertTrue(held.await(5, TimeUnit.SECONDS), "loop held");
            final SelectionKey clientKey = client.register(watcher, SelectionKey.OP_READ);
            http.send(request);
            awaitReadable(watcher, clientKey, "the request at Vigil");
            originAction.run();
            final SelectionKey upstreamKey = upstream.register(watcher, SelectionKey.OP_READ);
            awaitReadable(watcher, upstreamKey, "the origin's FIN or bytes at Vigil");
        }
        finally
        {
            release.countDown();
        }
        return http.read(false);
    }

    private static void awaitReadable(final Selector watcher, final SelectionKey key, final String what)
    {
        Await.until(() ->
        {
            try
            {
                watcher.selectNow();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            return watcher.selectedKeys().contains(key);
        }, Duration.ofSeconds(5), what);
    }

    private long upstreamStat(final int offset)
    {
        return vigil.server().stats().get(StatsLayout.Kind.UPSTREAM, List.of("app"), offset);
    }

    private EventLoop loop() throws Exception
    {
        final Field loops = VigilServer.class.getDeclaredField("loops");
        loops.setAccessible(true);
        return ((EventLoop[])loops.get(vigil.server()))[0];
    }
}
