package io.vigil.http.codec;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The forwarded head, byte for byte: hop-by-hop fields by name and as named by Connection (any case), Upgrade
 * kept only when switching, X-Forwarded-For appended to earlier hops, connection management added.
 */
class HeadWriterTest
{
    private static String request(final String head, final boolean upgrade, final boolean persist, final String xff)
    {
        final ByteBuffer in = ByteBuffer.wrap(head.getBytes(StandardCharsets.ISO_8859_1));
        final HttpHead parsed = new HttpHead(true, 8192, 32768);
        assertEquals(HttpHead.DONE, parsed.scan(in, in.limit()));
        final ByteBuffer out = ByteBuffer.allocate(4096);
        final int n = new HeadWriter().request(in, parsed, out, upgrade, persist,
            xff == null ? null : xff.getBytes(StandardCharsets.US_ASCII), null);
        return new String(out.array(), 0, n, StandardCharsets.ISO_8859_1);
    }

    @Test
    void dropsHopByHopFieldsInAnyCase()
    {
        assertEquals("GET / HTTP/1.1\r\nHost: a\r\nx-keep: 1\r\n\r\n", request("GET / HTTP/1.1\r\nHost: a\r\n" +
            "CONNECTION: Keep-Alive, X-Secret\r\nx-secret: 1\r\nKEEP-ALIVE: timeout=5\r\nte: trailers\r\n" +
            "Trailer: X-Sum\r\nProxy-Connection: keep-alive\r\nUpgrade: h2c\r\nx-keep: 1\r\n\r\n", false, true, null));
    }

    @Test
    void connectionNeverRemovesFramingOrHost()
    {
        // Connection may name fields to drop, but never the ones that say where the body ends or whom it is for
        assertEquals("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
            request("POST / HTTP/1.1\r\nHost: a\r\nConnection: content-length, host\r\nContent-Length: 5\r\n\r\n",
            false, true, null));
        assertEquals("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
            request("POST / HTTP/1.1\r\nHost: a\r\nConnection: Transfer-Encoding\r\n" +
            "Transfer-Encoding: chunked\r\n\r\n", false, true, null));
    }

    @Test
    void writesOneContentLengthWithTheValueItFramedBy()
    {
        assertEquals("POST / HTTP/1.1\r\nHost: a\r\nX: 1\r\nContent-Length: 12\r\n\r\n",
            request("POST / HTTP/1.1\r\nContent-Length: 12, 12\r\nHost: a\r\ncontent-length: 0012\r\nX: 1\r\n\r\n",
            false, true, null));
    }

    @Test
    void shouldWriteAHeadThatExactlyFillsTheBuffer()
    {
        // found by fuzzing: the Content-Length digits asked for 19 bytes of room whatever their number, so a head
        // that fit was refused (and its response answered 502)
        final ByteBuffer in = ByteBuffer.wrap("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
            .getBytes(StandardCharsets.ISO_8859_1));
        final HttpHead head = new HttpHead(false, 8192, 32768);
        assertEquals(HttpHead.DONE, head.scan(in, in.limit()));
        final int length = new HeadWriter().response(in, head, ByteBuffer.allocate(4096), 0, false, true, false);
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".length(), length);
        assertEquals(length, new HeadWriter().response(in, head, ByteBuffer.allocate(length), 0, false, true, false));
        assertEquals(HeadWriter.NO_ROOM,
            new HeadWriter().response(in, head, ByteBuffer.allocate(length - 1), 0, false, true, false));
    }

    @Test
    void keepsUpgradeWhenSwitchingAndSaysSo()
    {
        assertEquals("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
            request("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", true, true,
            null));
    }

    @Test
    void appendsTheClientToEarlierHopsAndManagesTheConnection()
    {
        assertEquals("GET / HTTP/1.0\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2, 127.0.0.9\r\n" +
            "X-Forwarded-Proto: http\r\nConnection: keep-alive\r\n\r\n",
            request("GET / HTTP/1.0\r\nX-Forwarded-For: 10.0.0.1\r\nx-forwarded-for: 10.0.0.2\r\n" +
            "X-Forwarded-Proto: https\r\n\r\n", false, true, "127.0.0.9"));
        assertEquals("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            request("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false, false, null));
    }
}
