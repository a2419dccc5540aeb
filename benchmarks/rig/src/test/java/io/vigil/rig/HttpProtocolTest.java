package io.vigil.rig;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generator's HTTP response framing, fed byte by byte and all at once.
 */
class HttpProtocolTest
{
    private static int feed(final Protocol.ResponseReader reader, final String text, final boolean byteByByte)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        int state = Protocol.ResponseReader.NEED_MORE;
        if (!byteByByte)
        {
            final ByteBuffer all = ByteBuffer.wrap(bytes);
            state = reader.consume(all);
            return all.hasRemaining() ? -1 : state;
        }
        for (int i = 0; i < bytes.length; i++)
        {
            state = reader.consume(ByteBuffer.wrap(bytes, i, 1));
            if (state != Protocol.ResponseReader.NEED_MORE && i != bytes.length - 1)
            {
                return -1; // ended early
            }
        }
        return state;
    }

    private static Protocol.ResponseReader reader(final boolean head)
    {
        return new HttpProtocol(URI.create("http://127.0.0.1:8080/x?y=1"), head ? "HEAD" : "GET").newReader();
    }

    @Test
    void framesEveryKindOfResponse()
    {
        for (final boolean byteByByte : new boolean[] {false, true})
        {
            final Protocol.ResponseReader r = reader(false);
            assertEquals(Protocol.ResponseReader.DONE,
                feed(r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", byteByByte));
            assertTrue(r.ok());
            assertFalse(r.closeAfter());
            r.reset();
            assertEquals(Protocol.ResponseReader.DONE, feed(r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                "5;x=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", byteByByte));
            r.reset();
            assertEquals(Protocol.ResponseReader.DONE, feed(r, "HTTP/1.1 100 Continue\r\n\r\n" +
                "HTTP/1.1 503 Busy\r\ncontent-length: 0\r\nConnection: close\r\n\r\n", byteByByte));
            assertFalse(r.ok());
            assertTrue(r.closeAfter());
            r.reset();
            assertEquals(Protocol.ResponseReader.DONE, feed(r, "HTTP/1.1 204 No Content\r\n\r\n", byteByByte));
            r.reset();
            assertEquals(Protocol.ResponseReader.NEED_MORE, feed(r, "HTTP/1.0 200 OK\r\n\r\nuntil close", byteByByte));
            assertEquals(Protocol.ResponseReader.DONE, r.onEof());
            assertTrue(r.closeAfter());
            r.reset();
            assertEquals(Protocol.ResponseReader.INVALID, feed(r, "SSH-2.0-OpenSSH\r\n", byteByByte));

            final Protocol.ResponseReader head = reader(true);
            assertEquals(Protocol.ResponseReader.DONE,
                feed(head, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", byteByByte));
        }
    }

    @Test
    void requestIsAKeepAliveGetWithHost()
    {
        final ByteBuffer request = new HttpProtocol(URI.create("http://127.0.0.1:8080/x?y=1"), "GET").request();
        final byte[] bytes = new byte[request.remaining()];
        request.get(bytes);
        assertEquals("GET /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: vigil-bench\r\n\r\n",
            new String(bytes, StandardCharsets.US_ASCII));
    }
}
