package io.vigil.http;

import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every request RFC 9112/9110 say a recipient must reject is answered with its status and a close, and no byte
 * of it (or of a request smuggled inside it) reaches the origin. Each case is raw bytes on a fresh connection,
 * sent after one good request so the upstream connection already exists and is watched for stray bytes.
 */
@Timeout(30)
class HttpRejectTest extends OriginBehindVigil
{
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

    @BeforeEach
    void startVigil() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin,
            ", max-request-line = 1k, max-header-size = 4k, client-max-body-size = 100", ""));
    }

    static Stream<Arguments> refusals()
    {
        return Stream.of(
            Arguments.of("Content-Length and Transfer-Encoding", 400,
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
                SMUGGLED),
            Arguments.of("differing Content-Length", 400,
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello" + SMUGGLED),
            Arguments.of("invalid Content-Length", 400,
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello"),
            Arguments.of("Content-Length list that differs", 400,
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello"),
            Arguments.of("Transfer-Encoding not ending in chunked", 400,
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n" + SMUGGLED),
            Arguments.of("Transfer-Encoding gzip only", 400,
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n" + SMUGGLED),
            Arguments.of("chunked twice", 400,
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
            Arguments.of("Transfer-Encoding in HTTP/1.0", 400,
                "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            Arguments.of("whitespace before the colon", 400,
                "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n"),
            Arguments.of("obs-fold", 400,
                "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"),
            Arguments.of("NUL in a value", 400,
                "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n"),
            Arguments.of("bare CR in a value", 400,
                "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n"),
            Arguments.of("a line without a colon", 400,
                "GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n"),
            Arguments.of("missing Host in HTTP/1.1", 400,
                "GET / HTTP/1.1\r\n\r\n"),
            Arguments.of("two Host fields", 400,
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            Arguments.of("invalid method", 400,
                "G(ET / HTTP/1.1\r\nHost: a\r\n\r\n"),
            Arguments.of("invalid target", 400,
                "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"),
            Arguments.of("target not origin-form", 400,
                "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n"),
            Arguments.of("HTTP/2.0", 505,
                "GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
            Arguments.of("lower-case http", 400,
                "GET / http/1.1\r\nHost: a\r\n\r\n"),
            Arguments.of("invalid chunk size", 400,
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n"),
            Arguments.of("chunk size with a sign", 400,
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n"),
            Arguments.of("chunk data longer than its size", 400,
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n" +
                SMUGGLED),
            Arguments.of("request line longer than max-request-line", 414,
                "GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: a\r\n\r\n"),
            Arguments.of("head longer than max-header-size", 431,
                "GET / HTTP/1.1\r\nHost: a\r\n" + "X-Long: b\r\n".repeat(500) + "\r\n"),
            Arguments.of("Content-Length beyond client-max-body-size", 413,
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n" + "x".repeat(101)),
            Arguments.of("chunked body beyond client-max-body-size", 413,
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n" + "x".repeat(101) +
                "\r\n0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedWithItsStatusAndNothingReachesTheOrigin(final String name, final int status, final String bytes)
        throws Exception
    {
        try (RawHttp http = client())
        {
            assertEquals(200, http.get("/hello").status());
        }
        final String before = origin.received();
        try (RawHttp http = client())
        {
            http.send(bytes);
            final RawHttp.Response response = http.read(false);
            assertEquals(status, response.status(), name);
            assertEquals("close", response.header("connection"));
            assertTrue(http.closedByPeer(), "closed after the refusal");
        }
        final String after = origin.received();
        final String forwarded = after.substring(before.length());
        assertFalse(forwarded.contains("smuggled"), "a smuggled request reached the origin: " + forwarded);
        if (status != 413 && !name.contains("chunk"))
        {
            assertEquals("", forwarded, "a refused head reached the origin");
        }
        // the pooled upstream connection was not disturbed by the refusal
        try (RawHttp http = client())
        {
            assertEquals("1", http.get("/hello").header("x-conn"));
        }
    }

    @Test
    void malformedUpstreamResponseIs502AndThatConnectionIsNotPooled() throws Exception
    {
        try (RawHttp http = client())
        {
            final RawHttp.Response bad = http.get("/bad");
            assertEquals(502, bad.status());
            final RawHttp.Response next = http.get("/hello");
            assertEquals("hello", next.body(), "the client connection continues");
            assertEquals("2", next.header("x-conn"), "the bad upstream connection was closed, not reused");
        }
        vigil.awaitAccessLog("request=GET /bad status=502");
    }

    @Test
    void slowRequestHeadGets408() throws Exception
    {
        vigil.close();
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", client-header-timeout = 500ms", ""));
        try (RawHttp http = client())
        {
            final long start = System.nanoTime();
            http.send("GET / HTTP/1.1\r\nHost: a\r\n");
            final RawHttp.Response response = http.read(false);
            final long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(408, response.status());
            assertTrue(ms >= 450 && ms < 3000, "after " + ms + " ms");
            assertTrue(http.closedByPeer());
        }
        assertEquals(0, origin.connections());
    }

    @Test
    void stalledRequestBodyGets408AndTheUpstreamConnectionIsNotReused() throws Exception
    {
        vigil.close();
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", client-body-timeout = 500ms", ""));
        try (RawHttp http = client())
        {
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhalf");
            final RawHttp.Response response = http.read(false);
            assertEquals(408, response.status());
            assertTrue(http.closedByPeer());
        }
        try (RawHttp http = client())
        {
            assertEquals("2", http.get("/hello").header("x-conn"), "the half-sent request's connection was closed");
        }
    }
}
