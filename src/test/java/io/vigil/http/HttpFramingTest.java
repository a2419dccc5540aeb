package io.vigil.http;

import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Message framing through Vigil's HTTP mode, with raw bytes on both sides: pipelining, bodiless responses,
 * chunked bodies and trailers, 100-continue, protocol upgrade, bodies delimited by close, hop-by-hop fields.
 */
@Timeout(30)
class HttpFramingTest extends OriginBehindVigil
{
    @BeforeEach
    void startVigil() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin,
            ", add-x-forwarded = true, add-forwarded = true, client-max-body-size = 8m", ""));
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfirst" +
                "GET /status/204 HTTP/1.1\r\nHost: a\r\n\r\n" +
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n" +
                "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n" +
                "GET /big/100000 HTTP/1.1\r\nHost: a\r\n\r\n" +
                "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals("first", http.read(false).body());
            assertEquals(204, http.read(false).status());
            assertEquals("second", http.read(false).body());
            final RawHttp.Response head = http.read(true);
            assertEquals("5", head.header("content-length"));
            assertEquals(100_000, http.read(false).body().length());
            assertEquals("hello", http.read(false).body());
        }
        assertEquals(1, origin.connections());
    }

    @Test
    void headAnd204And304HaveNoBodyAndTheConnectionContinues() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("HEAD /big/5000 HTTP/1.1\r\nHost: a\r\n\r\n");
            final RawHttp.Response head = http.read(true);
            assertEquals("5000", head.header("content-length"));
            assertEquals(204, http.get("/status/204").status());
            final RawHttp.Response notModified = http.get("/status/304");
            assertEquals(304, notModified.status());
            assertEquals("99", notModified.header("content-length"), "the length of the cached entity, no body");
            assertEquals("hello", http.get("/hello").body(), "the stream is still in sync");
        }
        assertEquals(1, origin.connections());
    }

    @Test
    void chunkedResponseWithTrailersIsRelayedByteForByte() throws Exception
    {
        try (RawHttp http = client())
        {
            final RawHttp.Response response = http.get("/chunked");
            assertEquals("hello, world", response.body());
            assertEquals("12", response.header("trailer.x-sum"));
            assertTrue(response.raw().contains("7;ext=1\r\n, world\r\n0\r\nX-Sum: 12\r\n\r\n"), response.raw());
            assertNull(response.header("trailer"), "Trailer is hop-by-hop");
            assertEquals("hello", http.get("/hello").body());
        }
    }

    @Test
    void chunkedRequestBodyReachesTheOriginIntact() throws Exception
    {
        try (RawHttp http = client())
        {
            final StringBuilder chunks = new StringBuilder();
            final StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 200; i++)
            {
                final String data = "chunk-" + i + "-" + "x".repeat(i * 7);
                chunks.append(Integer.toHexString(data.length())).append("\r\n").append(data).append("\r\n");
                expected.append(data);
            }
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks +
                "0\r\nX-Checksum: 1\r\n\r\n");
            assertEquals(expected.toString(), http.read(false).body());
            assertTrue(origin.received().contains("0\r\nX-Checksum: 1\r\n\r\n"), "trailers forwarded");
        }
    }

    @Test
    void largeBodiesStreamBothWays() throws Exception
    {
        try (RawHttp http = client())
        {
            final byte[] body = new byte[3 * 1024 * 1024];
            for (int i = 0; i < body.length; i++)
            {
                body[i] = (byte)('A' + (i * 31 + i / 1000) % 26);
            }
            final String text = new String(body, StandardCharsets.ISO_8859_1);
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n" + text);
            final RawHttp.Response response = http.read(false);
            assertArrayEquals(body, response.body().getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(2_000_000, http.get("/big/2000000").body().length());
        }
        assertEquals(1, origin.connections());
    }

    @Test
    void expectContinueGetsTheOriginsInterimResponse() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            final RawHttp.Response interim = http.read(false);
            assertEquals(100, interim.status());
            http.send("body");
            final RawHttp.Response response = http.read(false);
            assertEquals(200, response.status());
            assertEquals("body", response.body());
        }
    }

    @Test
    void upgradeTurnsTheConnectionIntoATunnel() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("GET /upgrade HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
            final RawHttp.Response switching = http.read(false);
            assertEquals(101, switching.status());
            assertEquals("websocket", switching.header("upgrade"));
            assertEquals("upgrade", switching.header("connection").toLowerCase(Locale.ROOT));
            final OutputStream out = http.socket().getOutputStream();
            final InputStream in = http.socket().getInputStream();
            for (int i = 0; i < 50; i++)
            {
                final byte[] frame = ("not http at all " + i + " \0\r\n").getBytes(StandardCharsets.ISO_8859_1);
                out.write(frame);
                assertArrayEquals(frame, in.readNBytes(frame.length));
            }
            http.socket().shutdownOutput();
            assertEquals(-1, in.read(), "the tunnel forwards the close");
        }
        assertTrue(origin.received().contains("Upgrade: websocket"), "Upgrade is forwarded when upgrading");
        vigil.awaitAccessLog("status=101");
        vigil.awaitAccessLog("reason=eof side=client"); // the client's FIN came first
    }

    @Test
    void idleTunnelEndsAfterProxyTimeout() throws Exception
    {
        vigil.close();
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", proxy-timeout = 500ms", ""));
        try (RawHttp http = client())
        {
            http.send("GET /upgrade HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
            assertEquals(101, http.read(false).status());
            final long start = System.nanoTime();
            assertTrue(http.closedByPeer(), "the idle tunnel is closed");
            final long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 400 && ms < 3000, "after " + ms + " ms of a 500 ms proxy-timeout");
        }
        vigil.awaitAccessLog("reason=idle_timeout side=proxy");
    }

    @Test
    void responseWithoutLengthEndsAtCloseAndClosesTheClient() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("GET /eof HTTP/1.1\r\nHost: a\r\n\r\n");
            final RawHttp.Response response = http.read(false);
            assertEquals("until-close body", response.body());
            assertEquals("close", response.header("connection"));
        }
    }

    @Test
    void hopByHopFieldsStopAndForwardingFieldsAreAdded() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Private\r\nX-Private: secret\r\n" +
                "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: h2c\r\n" +
                "X-Forwarded-For: 10.1.1.1\r\nX-End-To-End: kept\r\n\r\n");
            assertEquals(200, http.read(false).status());
        }
        final String seen = origin.received();
        assertTrue(seen.contains("X-End-To-End: kept\r\n"), seen);
        for (final String dropped : new String[] {"X-Private", "Keep-Alive", "Proxy-Connection", "TE:", "Upgrade",
            "Connection:"})
        {
            assertFalse(seen.contains(dropped), dropped + " was forwarded: " + seen);
        }
        assertTrue(seen.contains("X-Forwarded-For: 10.1.1.1, 127.0.0.1\r\n"), seen);
        assertTrue(seen.contains("X-Forwarded-Proto: http\r\n"), seen);
        assertTrue(seen.contains("Forwarded: for=127.0.0.1;proto=http\r\n"), seen);
    }

    @Test
    void upstreamHopByHopFieldsDoNotReachTheClient() throws Exception
    {
        origin.extraHeaders("Connection: X-Upstream-Secret\r\nX-Upstream-Secret: 1\r\nKeep-Alive: timeout=30\r\n");
        try (RawHttp http = client())
        {
            final RawHttp.Response response = http.get("/hello");
            assertEquals("hello", response.body());
            assertNull(response.header("x-upstream-secret"));
            assertNull(response.header("keep-alive"));
            assertNull(response.header("connection"));
        }
    }
}
