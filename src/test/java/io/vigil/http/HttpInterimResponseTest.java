package io.vigil.http;

import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interim responses (100 Continue, 103 Early Hints) reach HTTP/1.1 clients as they came and never an HTTP/1.0
 * client (RFC 9110 §15.2: a server must not send a 1xx response to an HTTP/1.0 client); the final response still
 * does. The origin here sends both interim responses before every final one, whatever the request's version, as a
 * careless origin would.
 */
@Timeout(30)
class HttpInterimResponseTest
{
    private static final String INTERIM = "HTTP/1.1 100 Continue\r\n\r\n" +
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
    private static final String FINAL = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private ServerSocket origin;
    private VigilHarness vigil;

    @BeforeEach
    void start() throws Exception
    {
        origin = new ServerSocket();
        origin.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final Thread acceptor = new Thread(this::serve, "interim-origin");
        acceptor.setDaemon(true);
        acceptor.start();
        vigil = VigilHarness.start(HttpConfigs.web(1, "\"127.0.0.1:" + origin.getLocalPort() + "\"",
            ", access-log = false", ""));
    }

    @AfterEach
    void stop() throws Exception
    {
        vigil.close();
        origin.close();
    }

    /** Every request head (no bodies here) gets the interim responses, then the final one. */
    private void serve()
    {
        while (!origin.isClosed())
        {
            try (Socket socket = origin.accept())
            {
                final InputStream in = socket.getInputStream();
                while (readHead(in))
                {
                    socket.getOutputStream().write((INTERIM + FINAL).getBytes(StandardCharsets.US_ASCII));
                }
            }
            catch (final IOException ex)
            {
                // closed by the test, or by Vigil: the next connection
            }
        }
    }

    private static boolean readHead(final InputStream in) throws IOException
    {
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0)
        {
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
            if (matched == 4)
            {
                return true;
            }
        }
        return false;
    }

    private static String readAll(final RawHttp http) throws IOException
    {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        http.socket().getInputStream().transferTo(all);
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void shouldNotForwardInterimResponsesToAnHttp10Client() throws Exception
    {
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            http.send("GET / HTTP/1.0\r\n\r\n");
            final String received = readAll(http); // HTTP/1.0 without keep-alive: the close ends the response
            assertTrue(received.startsWith("HTTP/1.1 200 "), received);
            assertFalse(received.contains(" 100 ") || received.contains(" 103 "), received);
            assertTrue(received.endsWith("\r\n\r\nok"), received);
        }
    }

    @Test
    void shouldAnswerAnHttp10KeepAliveClientWithFinalResponsesOnly() throws Exception
    {
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            for (int i = 0; i < 2; i++)
            {
                http.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                final RawHttp.Response response = http.read(false);
                assertEquals(200, response.status(), response.raw());
                assertEquals("ok", response.body());
                assertEquals("keep-alive", response.header("connection"), "request " + i);
            }
        }
    }

    @Test
    void shouldForwardInterimResponsesToAnHttp11Client() throws Exception
    {
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            http.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            final String received = readAll(http);
            assertTrue(received.startsWith(INTERIM + "HTTP/1.1 200 "), received);
            assertTrue(received.endsWith("\r\n\r\nok"), received);
        }
    }
}
