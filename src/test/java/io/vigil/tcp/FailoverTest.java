package io.vigil.tcp;

import io.vigil.session.CloseReason;
import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A refused or unanswered upstream connect moves on to the next server; when none can be reached the client is
 * closed promptly with reason connect_failed.
 */
@Timeout(30)
class FailoverTest
{
    @RegisterExtension
    final Closer resources = new Closer();

    private static String config(final String servers, final String connectTimeout)
    {
        return "vigil { event-loops = 1, listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }], " +
            "upstreams { up { servers = [" + servers + "], connect-timeout = " + connectTimeout + " } } }";
    }

    /** A port nothing listens on: bound then closed. */
    private static int refusedPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * A listener whose accept queue is full, so the kernel drops further SYNs and connects hang: an upstream
     * that does not answer, on loopback.
     */
    private InetSocketAddress unansweringServer() throws IOException
    {
        final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.keep(server);
        final InetSocketAddress address = (InetSocketAddress)server.getLocalSocketAddress();
        for (int i = 0; i < 4; i++)
        {
            final SocketChannel filler = SocketChannel.open();
            filler.configureBlocking(false);
            filler.connect(address);
            resources.keep(filler);
        }
        try (Socket probe = new Socket())
        {
            assertThrows(SocketTimeoutException.class, () -> probe.connect(address, 300),
                "precondition: the full accept queue makes connects hang");
        }
        return address;
    }

    @Test
    void shouldMoveOnFromARefusedServer() throws Exception
    {
        final TestUpstream good = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        resources.keep(good);
        final String refused = "127.0.0.1:" + refusedPort();
        final String servers = "\"" + refused + "\", \"" + good.hostPort() + "\"";
        final VigilHarness vigil = VigilHarness.start(config(servers, "2s")
            .replace("vigil {", "vigil { admin { listen = \"127.0.0.1:0\" },"));
        resources.keep(vigil);
        // round-robin starts with the refused server; it fails once and is then skipped for fail-timeout
        for (int i = 0; i < 4; i++)
        {
            try (Socket client = VigilHarness.connect(vigil.address("pub")))
            {
                client.getOutputStream().write(i);
                assertEquals(i, client.getInputStream().read(), "session " + i + " relayed");
            }
            // each session ends when the echo thread answers its FIN, in any order: one log line at a time keeps
            // the lines in session order for the tries below
            final long lines = i + 1;
            Await.until(() -> vigil.accessLog().lines().count() == lines, Duration.ofSeconds(5), lines + " lines");
        }
        assertEquals(4, good.accepted());
        vigil.awaitClosed(4, Duration.ofSeconds(5));
        assertTrue(vigil.accessLog().lines().allMatch(line -> line.contains("upstream=" + good.hostPort())),
            vigil.accessLog());
        assertEquals(List.of(2L, 1L, 1L, 1L), vigil.accessLog().lines()
            .map(line -> Long.parseLong(line.replaceAll(".* tries=(\\d+) .*", "$1"))).toList(), vigil.accessLog());
        // on loopback the refusal is found by the connect's immediate finishConnect: counted as the selected one's
        final String failures = "vigil_upstream_connect_failures_total{reason=\"%s\",server=\"" + refused +
            "\",upstream=\"up\"}";
        assertEquals(1, Admin.metric(vigil.adminAddress(), String.format(failures, "refused")));
        assertEquals(0, Admin.metric(vigil.adminAddress(), String.format(failures, "local")));
    }

    @Test
    void shouldMoveOnFromAServerThatDoesNotAnswerWithinConnectTimeout() throws Exception
    {
        final TestUpstream good = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        resources.keep(good);
        final InetSocketAddress silent = unansweringServer();
        final String servers = "\"127.0.0.1:" + silent.getPort() + "\", \"" + good.hostPort() + "\"";
        final VigilHarness vigil = VigilHarness.start(config(servers, "400ms"));
        resources.keep(vigil);
        // from before the connect: Vigil starts the connect timeout when it accepts, which may come before a line
        // after connect() runs (a descheduled test thread measured 400 ms minus its own delay, below the bound)
        final long start = System.nanoTime();
        try (Socket client = VigilHarness.connect(vigil.address("pub")))
        {
            client.getOutputStream().write(42);
            assertEquals(42, client.getInputStream().read());
            final long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(ms >= 350 && ms < 3000, "first byte came after the connect timeout, in " + ms + "ms");
        }
        assertEquals(1, good.accepted());
    }

    @Test
    void shouldCloseTheClientPromptlyWhenNoServerCanBeReached() throws Exception
    {
        final InetSocketAddress silent = unansweringServer();
        final String servers = "\"127.0.0.1:" + refusedPort() + "\", \"127.0.0.1:" + silent.getPort() + "\"";
        final VigilHarness vigil = VigilHarness.start(config(servers, "300ms"));
        resources.keep(vigil);
        try (Socket client = VigilHarness.connect(vigil.address("pub")))
        {
            final long start = System.nanoTime();
            assertEquals(-1, client.getInputStream().read(), "client closed");
            final long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(ms < 2000, "closed " + ms + "ms after connecting: one refused + one 300ms timeout");
        }
        final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(5)).get(0);
        assertEquals(CloseReason.CONNECT_FAILED, closed.reason());
        vigil.awaitAccessLog("reason=connect_failed side=upstream");
    }
}
