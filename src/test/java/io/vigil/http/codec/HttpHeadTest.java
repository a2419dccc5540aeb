package io.vigil.http.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpHeadTest
{
    private static ByteBuffer bytes(final String text)
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        buffer.put(text.getBytes(StandardCharsets.ISO_8859_1));
        return buffer;
    }

    /** A head scanned whole with the default limits, whose scan must end as {@code expected} (DONE or ERROR). */
    private static HttpHead scanned(final boolean request, final String text, final int expected)
    {
        final HttpHead head = new HttpHead(request, 8192, 32 * 1024);
        final ByteBuffer buffer = bytes(text);
        assertEquals(expected, head.scan(buffer, buffer.position()), text);
        return head;
    }

    /** A request head that must parse completely. */
    private static HttpHead request(final String text)
    {
        final HttpHead head = scanned(true, text, HttpHead.DONE);
        assertEquals(HttpStatus.OK, head.error(), text);
        return head;
    }

    /** A request head that must be refused. */
    private static HttpHead refused(final String text)
    {
        return scanned(true, text, HttpHead.ERROR);
    }

    private static HttpHead response(final String text)
    {
        return scanned(false, text, HttpHead.DONE);
    }

    @Test
    void shouldParseARequestHeadInPlace()
    {
        final String text = "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, Upgrade\r\n" +
            "Upgrade: websocket\r\nExpect: 100-continue\r\nX-Empty:\r\n\r\nbody";
        final HttpHead head = request(text);
        assertEquals(HttpStatus.OK, head.error());
        assertEquals(HttpMethod.GET, head.method());
        assertEquals(1, head.versionMinor());
        assertEquals("/a?b=c", text.substring(head.targetStart(), head.targetEnd()));
        assertEquals(text.indexOf("body"), head.headEnd());
        assertTrue(head.upgradeRequested());
        assertTrue(head.expectContinue());
        assertTrue(head.connectionKeepAlive());
        assertTrue(head.persistent());
        assertEquals(HttpHead.NO_LENGTH, head.contentLength());
        assertEquals(5, head.fieldCount());
        assertEquals("Host", text.substring(head.fieldNameStart(0), head.fieldNameEnd(0)));
        assertEquals("example.com", text.substring(head.fieldValueStart(0), head.fieldValueEnd(0)));
        assertEquals("", text.substring(head.fieldValueStart(4), head.fieldValueEnd(4)));
    }

    @Test
    void shouldFindTheHeadEndWhateverTheBytesArriveIn()
    {
        final String text = "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world" +
            "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
        final ByteBuffer buffer = bytes(text);
        final HttpHead head = new HttpHead(true, 8192, 32 * 1024);
        int result = HttpHead.NEED_MORE;
        int limit = 0;
        while (result == HttpHead.NEED_MORE)
        {
            result = head.scan(buffer, ++limit); // one byte at a time
        }
        assertEquals(HttpHead.DONE, result);
        assertEquals(text.indexOf("hello"), limit, "done exactly at the blank line");
        assertEquals(11, head.contentLength());
        assertEquals(HttpMethod.POST, head.method());
    }

    @Test
    void shouldAcceptWhatTheRfcAllows()
    {
        assertEquals(HttpStatus.OK, request("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").error(), "leading empty line");
        assertEquals(HttpStatus.OK, request("GET / HTTP/1.1\nHost: h\n\n").error(), "bare LF line ends");
        assertEquals(HttpStatus.OK, request("GET / HTTP/1.0\r\n\r\n").error(), "HTTP/1.0 needs no Host");
        assertEquals(HttpStatus.OK, request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").error());
        assertEquals(HttpStatus.OK, request("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
            .error());
        assertEquals(HttpStatus.OK, request("GET http://h/x HTTP/1.1\r\nHost: h\r\n\r\n").error(), "absolute-form");
        assertEquals(HttpMethod.OTHER, request("PROPFIND /d HTTP/1.1\r\nHost: h\r\n\r\n").method(),
            "extension methods are forwarded");
        assertEquals(7, request("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 7, 7\r\n\r\n").contentLength(),
            "identical repeated lengths are one length");
        final HttpHead chunked = request("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        assertEquals(HttpStatus.OK, chunked.error());
        assertTrue(chunked.chunked());
        assertEquals(HttpStatus.OK, request("GET / HTTP/1.1\r\nHost: h\r\nX: caf\u00e9\r\n\r\n").error(), "obs-text");
        assertFalse(request("GET / HTTP/1.0\r\n\r\n").persistent(), "1.0 without keep-alive");
        assertTrue(request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").persistent());
        assertFalse(request("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").persistent());
    }

    static Stream<Arguments> refused()
    {
        final String host = "Host: h\r\n";
        return Stream.of(
            Arguments.of("Content-Length and Transfer-Encoding",
                "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            Arguments.of("differing Content-Length fields",
                "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
            Arguments.of("differing Content-Length list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 6\r\n\r\n",
                400),
            // found by fuzzing: the CRs were dropped as if they were empty lines and the line after them parsed
            Arguments.of("bare CRs before the request line", "\r\rGET / HTTP/1.1\r\n" + host + "\r\n", 400),
            Arguments.of("a bare CR after an empty line", "\r\n\rGET / HTTP/1.1\r\n" + host + "\r\n",
                400),
            Arguments.of("signed Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\n", 400),
            Arguments.of("hex Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0x5\r\n\r\n", 400),
            Arguments.of("empty Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n", 400),
            Arguments.of("huge Content-Length",
                "POST / HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999\r\n\r\n", 400),
            Arguments.of("Transfer-Encoding not ending in chunked",
                "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
            Arguments.of("Transfer-Encoding gzip only", "POST / HTTP/1.1\r\n" + host +
                "Transfer-Encoding: gzip\r\n\r\n",
                400),
            Arguments.of("chunked twice",
                "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            Arguments.of("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            Arguments.of("whitespace before colon", "GET / HTTP/1.1\r\n" + host + "X-A : b\r\n\r\n", 400),
            Arguments.of("tab before colon", "GET / HTTP/1.1\r\n" + host + "X-A\t: b\r\n\r\n", 400),
            Arguments.of("obs-fold", "GET / HTTP/1.1\r\n" + host + "X-A: b\r\n c\r\n\r\n", 400),
            Arguments.of("NUL in value", "GET / HTTP/1.1\r\n" + host + "X-A: b\u0000c\r\n\r\n", 400),
            Arguments.of("bare CR in value", "GET / HTTP/1.1\r\n" + host + "X-A: b\rc\r\n\r\n", 400),
            Arguments.of("control in name", "GET / HTTP/1.1\r\n" + host + "X\u0001A: b\r\n\r\n", 400),
            Arguments.of("line without colon", "GET / HTTP/1.1\r\n" + host + "no colon here\r\n\r\n", 400),
            Arguments.of("empty field name", "GET / HTTP/1.1\r\n" + host + ": b\r\n\r\n", 400),
            Arguments.of("missing Host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400),
            Arguments.of("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            Arguments.of("two Host fields in 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            Arguments.of("invalid method", "G(T / HTTP/1.1\r\n" + host + "\r\n", 400),
            Arguments.of("no target", "GET  HTTP/1.1\r\n" + host + "\r\n", 400),
            Arguments.of("space in target", "GET /a b HTTP/1.1\r\n" + host + "\r\n", 400),
            Arguments.of("non-ASCII in target", "GET /caf\u00e9 HTTP/1.1\r\n" + host + "\r\n", 400),
            Arguments.of("relative target", "GET index.html HTTP/1.1\r\n" + host + "\r\n", 400),
            Arguments.of("asterisk for GET", "GET * HTTP/1.1\r\n" + host + "\r\n", 400),
            Arguments.of("HTTP/2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", 505),
            Arguments.of("HTTP/1.2", "GET / HTTP/1.2\r\n" + host + "\r\n", 505),
            Arguments.of("HTTP/0.9 style", "GET /\r\n\r\n", 400),
            Arguments.of("lower-case version", "GET / http/1.1\r\n" + host + "\r\n", 400),
            Arguments.of("extra token in request line", "GET / HTTP/1.1 x\r\n" + host + "\r\n", 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void shouldRefuseWhatCouldDesyncOrSmuggle(final String description, final String text, final int status)
    {
        assertEquals(status, refused(text).error().code(), description);
    }

    @Test
    void shouldEnforceSizeLimitsWhileBytesArrive()
    {
        final HttpHead line = new HttpHead(true, 100, 1000);
        final ByteBuffer longLine = bytes("GET /" + "a".repeat(200));
        assertEquals(HttpHead.ERROR, line.scan(longLine, longLine.position()), "no line end yet, already too long");
        assertEquals(414, line.error().code());

        final HttpHead head = new HttpHead(true, 100, 1000);
        final ByteBuffer longHead = bytes("GET / HTTP/1.1\r\nHost: h\r\n" + "X-Pad: 0123456789\r\n".repeat(60));
        assertEquals(HttpHead.ERROR, head.scan(longHead, longHead.position()));
        assertEquals(431, head.error().code());

        final HttpHead whole = new HttpHead(true, 100, 1000);
        final ByteBuffer longWholeHead = bytes("GET / HTTP/1.1\r\nHost: h\r\n" +
            "X-Pad: 0123456789\r\n".repeat(60) + "\r\n");
        assertEquals(HttpHead.ERROR, whole.scan(longWholeHead, longWholeHead.position()),
            "a head over the limit that arrives complete in one read");
        assertEquals(431, whole.error().code());

        final StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 0; i < HttpHead.MAX_FIELDS; i++)
        {
            many.append("X-").append(i).append(": v\r\n");
        }
        assertEquals(431, refused(many.append("\r\n").toString()).error().code(), "too many fields");
    }

    @Test
    void shouldAnswerForTheLimitPassedFirstHoweverTheBytesAreSplit()
    {
        // max-request-line may equal max-header-size; a leading empty line counts toward the head only, so the head
        // limit is passed first (found by fuzzing: whole it said 414, byte by byte 431)
        final String text = "\r\nGET /" + "a".repeat(300);
        final ByteBuffer buffer = bytes(text);
        final HttpHead whole = new HttpHead(true, 256, 256);
        assertEquals(HttpHead.ERROR, whole.scan(buffer, text.length()));
        final HttpHead byByte = new HttpHead(true, 256, 256);
        int result = HttpHead.NEED_MORE;
        for (int limit = 1; limit <= text.length() && result == HttpHead.NEED_MORE; limit++)
        {
            result = byByte.scan(buffer, limit);
        }
        assertEquals(HttpHead.ERROR, result);
        assertEquals(431, byByte.error().code());
        assertEquals(431, whole.error().code(), "whole as byte by byte");

        final HttpHead roomy = new HttpHead(true, 256, 1024);
        assertEquals(HttpHead.ERROR, roomy.scan(buffer, text.length()));
        assertEquals(414, roomy.error().code(), "the request line passed its limit first");
    }

    @Test
    void shouldParseResponseFramingFacts()
    {
        final HttpHead ok = response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nKeep-Alive: timeout=5, max=100\r\n\r\n");
        assertEquals(200, ok.status());
        assertEquals(12, ok.contentLength());
        assertEquals(5, ok.keepAliveTimeoutSec());
        assertTrue(ok.persistent());

        final HttpHead noReason = response("HTTP/1.1 204\r\n\r\n");
        assertEquals(204, noReason.status());

        final HttpHead untilClose = response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
        assertTrue(untilClose.transferEncoding() && !untilClose.chunked(), "response body read until close");

        final HttpHead continued = response("HTTP/1.1 100 Continue\r\n\r\n");
        assertEquals(100, continued.status());

        final HttpHead closing = response("HTTP/1.0 200 OK\r\n\r\n");
        assertFalse(closing.persistent());

        // found by fuzzing: RFC 9112 §6.1, an HTTP/1.0 message with Transfer-Encoding has faulty framing, so the
        // connection closes after it even if it asks to be kept
        final HttpHead faulty = response(
            "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n");
        assertTrue(faulty.chunked());
        assertFalse(faulty.persistent(), "no reuse after an HTTP/1.0 message with Transfer-Encoding");
    }

    @Test
    void shouldRefuseMalformedResponses()
    {
        for (final String bad : new String[] {
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "ICY 200 OK\r\n\r\n",
            "\r\rHTTP/1.1 200 OK\r\n\r\n"})
        {
            scanned(false, bad, HttpHead.ERROR);
        }
    }

    @Test
    void shouldParseTheNextMessageAfterReset()
    {
        final HttpHead head = request("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n");
        assertEquals(3, head.contentLength());
        head.reset();
        final ByteBuffer buffer = bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals(HttpHead.DONE, head.scan(buffer, buffer.position()));
        assertEquals(HttpHead.NO_LENGTH, head.contentLength(), "nothing carried over");
    }
}
