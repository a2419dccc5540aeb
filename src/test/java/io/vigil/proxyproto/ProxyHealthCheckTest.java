package io.vigil.proxyproto;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An http health check of an upstream with send-proxy-protocol starts with a header naming no client (v1 UNKNOWN,
 * v2 LOCAL), so a server that requires the PROXY protocol answers it and stays up.
 */
@Timeout(30)
class ProxyHealthCheckTest
{
    /** A server that requires a PROXY header: 200 after one, 400 without. Records the header of each check. */
    private static final class RequiringServer implements AutoCloseable
    {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<String> checks = new CopyOnWriteArrayList<>();
        final Thread thread = new Thread(this::serve, "proxy-requiring-server");

        RequiringServer() throws IOException
        {
            thread.setDaemon(true);
            thread.start();
        }

        private void serve()
        {
            while (!socket.isClosed())
            {
                try (Socket connection = socket.accept())
                {
                    connection.setSoTimeout(5000);
                    final ProxyHeaderParser parser = new ProxyHeaderParser();
                    final InputStream in = connection.getInputStream();
                    while (parser.status() == ProxyHeaderParser.NEED_MORE)
                    {
                        final byte[] piece = in.readNBytes(parser.maxRead());
                        if (piece.length == 0)
                        {
                            break;
                        }
                        parser.feed(ByteBuffer.wrap(piece));
                    }
                    final boolean ok = parser.status() == ProxyHeaderParser.DONE;
                    final String request = new String(in.readNBytes(4), StandardCharsets.US_ASCII);
                    checks.add((ok ? "v" + parser.version() + " family " + parser.family() : "no header") + " " +
                        request);
                    connection.getOutputStream().write((ok ? "HTTP/1.0 200 OK\r\n\r\n" : "HTTP/1.0 400 Bad\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                }
                catch (final IOException ex)
                {
                    // next connection
                }
            }
        }

        String hostPort()
        {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "v2"})
    void shouldSendAHeaderWithoutAClientOnHttpChecks(final String version) throws Exception
    {
        try (RequiringServer server = new RequiringServer();
            VigilHarness vigil = VigilHarness.start("vigil { admin { listen = \"127.0.0.1:0\" }, listeners = [" +
                "{ name = t, listen = \"127.0.0.1:0\", upstream = up }], upstreams { up { servers = [\"" +
                server.hostPort() + "\"], send-proxy-protocol = " + version + ", health-check { type = http, " +
                "interval = 50ms, fall = 1, rise = 1 } } } }"))
        {
            Await.until(() -> server.checks.size() >= 3, Duration.ofSeconds(10), "three health checks");
            final String expected = version + " family 0 GET ";
            for (final String check : server.checks)
            {
                assertEquals(expected, check);
            }
            assertEquals(1, Admin.metric(vigil.adminAddress(), "vigil_upstream_server_up{server=\"" +
                server.hostPort() + "\",upstream=\"up\"}"));
        }
    }
}
