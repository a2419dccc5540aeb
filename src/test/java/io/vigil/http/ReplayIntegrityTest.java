package io.vigil.http;

import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request sent again on a fresh connection after a stale reused one reaches the origin byte for byte as it went
 * the first time: a Content-Length body, a chunked body, and never with bytes of the request pipelined after it,
 * which itself reaches the origin once.
 */
@Timeout(30)
class ReplayIntegrityTest
{
    private ScriptedOrigin origin;
    private VigilHarness vigil;

    private RawHttp start() throws IOException
    {
        return start(ScriptedOrigin.Failure.CLOSE);
    }

    private RawHttp start(final ScriptedOrigin.Failure failure) throws IOException
    {
        origin = new ScriptedOrigin(failure);
        vigil = VigilHarness.start("vigil { event-loops = 1, shutdown-timeout = 1s\n" +
            "  listeners = [{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = app }]\n" +
            "  upstreams { app { servers = [\"" + origin.hostPort() + "\"] } }\n}");
        final RawHttp http = new RawHttp(vigil.address("web"));
        assertEquals("1", http.get("/first").header("x-conn"), "the first request opens the connection to pool");
        return http;
    }

    @AfterEach
    void stop() throws Exception
    {
        if (vigil != null)
        {
            vigil.close();
        }
        if (origin != null)
        {
            origin.close();
        }
    }

    @Test
    void shouldSendAPutWithItsBodyAgainByteForByte() throws Exception
    {
        try (RawHttp http = start())
        {
            http.send("PUT /put HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world");
            final RawHttp.Response retried = http.read(false);
            assertEquals(200, retried.status(), retried.raw());
            assertEquals("2", retried.header("x-conn"));
        }
        assertEquals(List.of("GET 1", "PUT 1", "PUT 2"), origin.requests);
        assertEquals(origin.raw.get(1), origin.raw.get(2), "the replay is the request as first sent");
        // the request's size, as nginx's $request_length, not the sum of the tries
        final String log = vigil.awaitAccessLog("request=PUT /put status=200 ");
        assertTrue(log.contains("request=PUT /put status=200 upstream=" + origin.hostPort() + " reused=1 tries=2 " +
            "request_bytes=" + origin.raw.get(2).length() + " "), log);
    }

    @Test
    void shouldSendAChunkedPutAgainByteForByte() throws Exception
    {
        try (RawHttp http = start())
        {
            http.send("PUT /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
                "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            final RawHttp.Response retried = http.read(false);
            assertEquals(200, retried.status(), retried.raw());
            assertEquals("2", retried.header("x-conn"));
        }
        assertEquals(List.of("GET 1", "PUT 1", "PUT 2"), origin.requests);
        assertEquals(origin.raw.get(1), origin.raw.get(2), "the replay is the request as first sent");
    }

    @Test
    void shouldNotCarryThePipelinedNextRequestIntoTheReplay() throws Exception
    {
        try (RawHttp http = start())
        {
            http.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n" +
                "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
            final RawHttp.Response first = http.read(false);
            assertEquals(200, first.status(), first.raw());
            final RawHttp.Response second = http.read(false);
            assertEquals(200, second.status(), second.raw());
        }
        assertEquals(List.of("GET 1", "GET 1", "GET 2", "POST 2"), origin.requests, "the POST went once");
        assertEquals(origin.raw.get(1), origin.raw.get(2), "the replay is the request as first sent");
        assertFalse(origin.raw.get(2).contains("POST"), origin.raw.get(2));
    }

    /**
     * A client that waits for 100 Continue has sent only the head when the stale connection fails: the head is sent
     * again on a fresh connection, whose 100 Continue reaches the client, and the body then goes once, to it.
     */
    @Test
    void shouldSendTheHeadOfAnExpectContinuePutAgainAndItsBodyOnce() throws Exception
    {
        try (RawHttp http = start(ScriptedOrigin.Failure.CLOSE_AFTER_HEAD))
        {
            http.send("PUT /wait HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
            final RawHttp.Response interim = http.read(false);
            assertEquals(100, interim.status(), interim.raw());
            http.send("hello world");
            final RawHttp.Response answered = http.read(false);
            assertEquals(200, answered.status(), answered.raw());
            assertEquals("2", answered.header("x-conn"));
        }
        assertEquals(List.of("GET 1", "PUT 1 head", "PUT 2"), origin.requests);
        assertTrue(origin.raw.get(1).endsWith("\r\n\r\nhello world"), origin.raw.get(1));
        assertTrue(origin.raw.get(1).contains("Expect: 100-continue"), origin.raw.get(1));
    }

    @Test
    void shouldNotSendAPutAgainWhoseBodyStreamedPastTheBuffer() throws Exception
    {
        final int length = 1 << 20; // far past a client buffer: the first bytes are gone by the time it fails
        try (RawHttp http = start())
        {
            http.send("PUT /big HTTP/1.1\r\nHost: a\r\nContent-Length: " + length + "\r\n\r\n" + "x".repeat(length));
            assertEquals(502, http.read(false).status(), "a streamed body cannot be sent again");
        }
        assertEquals(List.of("GET 1", "PUT 1"), origin.requests);
    }
}
