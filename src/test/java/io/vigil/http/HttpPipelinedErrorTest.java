package io.vigil.http;

import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Requests pipelined behind one that Vigil answers itself (504, 400): either the connection stays open and they
 * are answered in order, or the error says {@code Connection: close}, arrives whole, and the connection ends with a
 * FIN (never a reset that could destroy the error before the client read it), and none of them reaches the origin.
 * nginx and HAProxy do the same: a generated error either keeps the connection (and the pipeline) or ends it with
 * {@code Connection: close}.
 */
@Timeout(30)
class HttpPipelinedErrorTest extends OriginBehindVigil
{
    private static final String HELLO = "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";
    /** Larger than the client's receive window, small enough for the socket buffers of both ends together. */
    private static final int BIG = 256 * 1024;

    @Test
    void shouldAnswerRequestsPipelinedBehindA504InOrder() throws Exception
    {
        // max-fails=0: the timeout does not take the only server out, so what follows can be served
        vigil = VigilHarness.start(HttpConfigs.web(1, "\"" + origin.hostPort() + " max-fails=0\"", "",
            "read-timeout = 500ms"));
        try (RawHttp http = client())
        {
            http.send("GET /slow/5000 HTTP/1.1\r\nHost: a\r\n\r\n" +
                "GET /hello?second HTTP/1.1\r\nHost: a\r\n\r\n" +
                "GET /hello?third HTTP/1.1\r\nHost: a\r\n\r\n");
            final RawHttp.Response timedOut = http.read(false);
            assertEquals(504, timedOut.status(), timedOut.raw());
            assertNull(timedOut.header("connection"), "the 504 keeps the connection: " + timedOut.raw());
            final RawHttp.Response second = http.read(false);
            assertEquals(200, second.status(), second.raw());
            assertEquals("hello", second.body());
            final RawHttp.Response third = http.read(false);
            assertEquals(200, third.status(), third.raw());
            assertEquals(second.header("x-conn"), third.header("x-conn"), "both on the one fresh connection");
            final String received = origin.received();
            assertTrue(received.indexOf("/hello?second") < received.indexOf("/hello?third"), "in order: " + received);
            assertEquals(200, http.get("/hello").status(), "and the connection goes on");
        }
    }

    @Test
    void shouldEndTheConnectionCleanlyAfterA504ThatSaysClose() throws Exception
    {
        // keepalive-requests = 1: the first answer, here a 504, is the connection's last
        vigil = VigilHarness.start(HttpConfigs.web(1, "\"" + origin.hostPort() + " max-fails=0\"",
            ", keepalive-requests = 1", "read-timeout = 500ms"));
        try (RawHttp http = client())
        {
            http.send("GET /slow/5000 HTTP/1.1\r\nHost: a\r\n\r\n" + HELLO + HELLO);
            final RawHttp.Response timedOut = http.read(false);
            assertEquals(504, timedOut.status(), timedOut.raw());
            assertEquals("close", timedOut.header("connection"), timedOut.raw());
            assertEquals("504 Gateway Timeout\n", timedOut.body(), "the whole error");
            assertCleanEnd(http);
        }
        assertFalse(origin.received().contains("/hello"), "nothing after the 504 reached the origin");
    }

    @Test
    void shouldEndTheConnectionCleanlyAfterA400WhileTheClientStillSends() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        final Socket socket = new Socket();
        // a small receive window: most of the first response, and the 400 behind it, wait in Vigil's send queue,
        // where a reset would destroy them
        socket.setReceiveBufferSize(16 * 1024);
        socket.connect(vigil.address("web"), 5000);
        socket.setSoTimeout(10_000);
        try (RawHttp http = new RawHttp(socket))
        {
            // a good request with a response larger than the window, a bad one, then more than Vigil reads
            // before it refuses: bytes the client still sends when the connection ends
            final StringBuilder pipeline = new StringBuilder("GET /big/" + BIG + " HTTP/1.1\r\nHost: a\r\n\r\n" +
                "GET /hello HTTP/1.1\r\nHost: a\r\nBad Field: x\r\n\r\n");
            for (int i = 0; i < 30_000; i++)
            {
                pipeline.append(HELLO);
            }
            final Thread writer = new Thread(() -> sendQuietly(socket, pipeline.toString()), "pipelining-client");
            writer.setDaemon(true);
            writer.start();
            // the client reads nothing until Vigil has answered both (the first fits the socket buffers)
            vigil.awaitAccessLog("status=400");
            final RawHttp.Response big = http.read(false);
            assertEquals(200, big.status());
            assertEquals(BIG, big.body().length(), "the whole first response");
            final RawHttp.Response refused = http.read(false);
            assertEquals(400, refused.status(), refused.raw());
            assertEquals("close", refused.header("connection"), refused.raw());
            assertCleanEnd(http);
            writer.join(10_000);
        }
        assertEquals(1, origin.requests(), "no request after the bad one reached the origin");
    }

    private static void sendQuietly(final Socket socket, final String text)
    {
        try
        {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        }
        catch (final IOException ex)
        {
            // the connection ended while sending: what matters is what the reader saw
        }
    }

    /** The connection ends with a FIN after the error: a reset could have destroyed the error unread. */
    private void assertCleanEnd(final RawHttp http) throws IOException
    {
        final InputStream in = http.socket().getInputStream();
        try
        {
            final int next = in.read();
            assertEquals(-1, next, "nothing after the error, then EOF");
        }
        catch (final SocketException reset)
        {
            fail("the connection was reset after the error instead of closed: " + reset);
        }
        Await.until(() -> vigil.closed().size() == 1, Duration.ofSeconds(10), "Vigil recorded the close");
    }
}
