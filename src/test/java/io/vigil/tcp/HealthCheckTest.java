package io.vigil.tcp;

import io.vigil.session.CloseReason;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import io.vigil.upstream.Peer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Active health checks against servers that stop and start, and what a down server means for new and open
 * sessions.
 */
@Timeout(60)
class HealthCheckTest
{
    @RegisterExtension
    final Closer closer = new Closer();

    private VigilHarness vigil(final String upstream)
    {
        return closer.keep(VigilHarness.start("vigil { event-loops = 2, listeners = [{ name = pub, " +
            "listen = \"127.0.0.1:0\", upstream = up }], upstreams { up { " + upstream + " } } }"));
    }

    private Socket relaying(final VigilHarness vigil) throws IOException
    {
        return closer.keep(vigil.relayingClient("pub"));
    }

    @Test
    void shouldTakeAStoppedServerOutAfterFallAndBackAfterRise() throws Exception
    {
        TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final int portA = a.port();
        final TestUpstream b = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = vigil("servers = [\"" + a.hostPort() + " max-fails=0\", \"" + b.hostPort() +
            " max-fails=0\"], health-check { type = tcp, interval = 100ms, timeout = 300ms, rise = 2, fall = 2 }");
        final Peer peerA = vigil.server().peers("up")[0];
        final TestUpstream first = a;
        Await.until(() -> first.accepted() >= 3, Duration.ofSeconds(5), "checks connect to a every interval");

        a.close();
        final long stoppedAt = System.nanoTime();
        Await.until(() -> !peerA.healthy(), Duration.ofSeconds(5), "a marked down");
        final long downMs = Duration.ofNanos(System.nanoTime() - stoppedAt).toMillis();
        assertTrue(downMs < 1500, "down after fall=2 failed checks at 100ms intervals, took " + downMs + "ms");
        // health checks connect too: count sessions (connections that carried bytes), not accepts
        final int bBefore = b.sessions();
        for (int i = 0; i < 6; i++)
        {
            relaying(vigil).close();
        }
        assertEquals(bBefore + 6, b.sessions(), "every new session went to b while a is down");
        Await.until(() -> vigil.accessLog().lines().count() == 6, Duration.ofSeconds(5), "six log lines");
        assertTrue(vigil.accessLog().lines().allMatch(l -> l.contains(" tries=1 ")), "nobody tried a: " +
            vigil.accessLog());

        a = closer.keep(new TestUpstream(new InetSocketAddress(InetAddress.getLoopbackAddress(), portA),
            TestUpstream.Mode.ECHO));
        Await.until(peerA::healthy, Duration.ofSeconds(5), "a back up after rise=2 passing checks");
        final TestUpstream restarted = a;
        for (int i = 0; i < 6; i++)
        {
            relaying(vigil).close();
        }
        assertTrue(restarted.sessions() >= 3, "a takes sessions again: " + restarted.sessions());
    }

    /** An HTTP server whose status the test sets, recording request lines. */
    private static final class StatusServer implements AutoCloseable
    {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger status = new AtomicInteger(200);
        final List<String> requestLines = new CopyOnWriteArrayList<>();

        StatusServer() throws IOException
        {
            final Thread t = new Thread(() ->
            {
                while (!server.isClosed())
                {
                    try (Socket socket = server.accept())
                    {
                        final InputStream in = socket.getInputStream();
                        final StringBuilder line = new StringBuilder();
                        int c;
                        while ((c = in.read()) != -1 && c != '\n')
                        {
                            line.append((char)c);
                        }
                        requestLines.add(line.toString().trim());
                        final OutputStream out = socket.getOutputStream();
                        out.write(("HTTP/1.0 " + status.get() + " X\r\nContent-Length: 0\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    }
                    catch (final IOException ex)
                    {
                        // next
                    }
                }
            }, "status-server");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException
        {
            server.close();
        }
    }

    @Test
    void shouldFollowTheHttpStatusOfThePath() throws Exception
    {
        final StatusServer http = closer.keep(new StatusServer());
        final VigilHarness vigil = vigil("servers = [\"127.0.0.1:" + http.server.getLocalPort() + " max-fails=0\"]," +
            " health-check { type = http, path = \"/healthz?full=1\", expect-status = \"200-299\", interval = 100ms," +
            " timeout = 500ms, rise = 1, fall = 1 }");
        final Peer peer = vigil.server().peers("up")[0];
        Await.until(() -> http.requestLines.size() >= 2, Duration.ofSeconds(5), "http checks arrive");
        assertEquals("GET /healthz?full=1 HTTP/1.0", http.requestLines.get(0));
        assertTrue(peer.healthy());

        http.status.set(503);
        Await.until(() -> !peer.healthy(), Duration.ofSeconds(5), "503 is outside 200-299: down");
        http.status.set(204);
        Await.until(peer::healthy, Duration.ofSeconds(5), "204 is inside 200-299: up");
    }

    @Test
    void shouldCloseOpenSessionsOfADownServerOnlyWhenAskedTo() throws Exception
    {
        for (final String onDown : new String[] {"none", "close-sessions"})
        {
            final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final VigilHarness vigil = vigil("servers = [\"" + a.hostPort() + " max-fails=0\"], on-down = " + onDown +
                ", health-check { type = tcp, interval = 100ms, timeout = 300ms, rise = 1, fall = 1 }");
            final Peer peer = vigil.server().peers("up")[0];
            final Socket session = relaying(vigil);
            a.stopListening(); // checks now fail; the open session's connection is untouched
            Await.until(() -> !peer.healthy(), Duration.ofSeconds(5), "down (" + onDown + ")");
            if ("none".equals(onDown))
            {
                session.getOutputStream().write(8);
                assertEquals(8, session.getInputStream().read(), "on-down = none: the open session carries on");
                assertTrue(vigil.closed().isEmpty());
            }
            else
            {
                assertEquals(-1, session.getInputStream().read(), "on-down = close-sessions: closed");
                final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(5)).get(0);
                assertEquals(CloseReason.SERVER_DOWN, closed.reason());
                vigil.awaitAccessLog("reason=server_down side=upstream");
            }
        }
    }
}
