package io.vigil.http;

import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.RecordingOrigin;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chunk lines outside RFC 9112's chunk-ext grammar ({@code *( BWS ";" BWS token [ BWS "=" BWS ( token /
 * quoted-string ) ] )}), found by the differential test's strict origin. Vigil relays chunk lines as they came, so
 * whatever it accepted would reach the origin: an origin that refuses such a line by dropping the connection made
 * Vigil answer 502 and count a server failure, and every other client then got 503 for fail-timeout. Vigil now
 * refuses them itself: 400 and close. In a response, the same lines close the upstream connection and cut the
 * client's response short (its head may have gone out): the client never gets the body as if it were whole.
 */
@Timeout(30)
class HttpChunkExtensionTest
{
    private RecordingOrigin origin;
    private VigilHarness vigil;

    @BeforeEach
    void start() throws Exception
    {
        origin = RecordingOrigin.start();
        vigil = VigilHarness.start(HttpConfigs.web(1, "\"" + origin.hostPort() + "\"", ", access-log = false", ""));
    }

    @AfterEach
    void stop() throws Exception
    {
        vigil.close();
        origin.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"5 junk", "5;a b c", "5;\"q\"", "5;a=\"x\"y", "5;=v", "5;a=", "5;a=b c"})
    void shouldRefuseAChunkLineOutsideTheGrammar(final String chunkLine) throws Exception
    {
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            http.send("POST /d?id=x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkLine +
                "\r\nhello\r\n0\r\n\r\n");
            assertEquals(400, http.read(false).status(), chunkLine);
            assertTrue(http.closedByPeer());
        }
        vigil.close();
        Await.until(() -> origin.openConnections() == 0, Duration.ofSeconds(10), "origin connections to end");
        assertEquals("[]", origin.violations().toString(), "the origin received what it must refuse");
        assertTrue(origin.received().stream().noneMatch(RecordingOrigin.Received::complete), "forwarded whole");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"5 junk", "5;a b c", "5;\"q\"", "5;a=\"x\"y", "5;=v", "5;a=", "5;a=b c"})
    void shouldCutAResponseWithAChunkLineOutsideTheGrammar(final String chunkLine) throws Exception
    {
        try (ServerSocket bad = new ServerSocket())
        {
            bad.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkLine +
                "\r\nhello\r\n0\r\n\r\n";
            final Thread server = new Thread(() -> answerOnce(bad, response), "bad-chunk-origin");
            server.setDaemon(true);
            server.start();
            final String servers = "\"127.0.0.1:" + bad.getLocalPort() + "\"";
            try (VigilHarness proxy = VigilHarness.start(HttpConfigs.web(1, servers, ", access-log = false", ""));
                RawHttp http = new RawHttp(proxy.address("web")))
            {
                http.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                final ByteArrayOutputStream received = new ByteArrayOutputStream();
                http.socket().getInputStream().transferTo(received); // ends when Vigil closes: no timeout
                final String text = received.toString(StandardCharsets.ISO_8859_1);
                assertFalse(text.contains("hello"), chunkLine + ": the body went out as if it were valid: " + text);
                assertTrue(text.isEmpty() || text.startsWith("HTTP/1.1 502 ") || text.startsWith("HTTP/1.1 200 "),
                    text);
            }
        }
    }

    /** Read one request head, send the response, close. */
    private static void answerOnce(final ServerSocket server, final String response)
    {
        try (Socket socket = server.accept())
        {
            final InputStream in = socket.getInputStream();
            int matched = 0;
            int b;
            while (matched < 4 && (b = in.read()) >= 0)
            {
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            }
            socket.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            in.transferTo(OutputStream.nullOutputStream());
        }
        catch (final IOException ex)
        {
            // Vigil closed the connection: expected after a bad response
        }
    }
}
