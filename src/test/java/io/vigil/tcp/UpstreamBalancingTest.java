package io.vigil.tcp;

import io.vigil.session.CloseReason;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Balancing, limits and passive health with real upstream servers and real sessions.
 */
@Timeout(60)
class UpstreamBalancingTest
{
    @RegisterExtension
    final Closer closer = new Closer();

    private VigilHarness vigil(final int loops, final String upstream)
    {
        return closer.keep(VigilHarness.start("vigil { event-loops = " + loops + ", listeners = [{ name = pub, " +
            "listen = \"127.0.0.1:0\", upstream = up }], upstreams { up { " + upstream + " } } }"));
    }

    private Socket relaying(final VigilHarness vigil) throws IOException
    {
        return closer.keep(vigil.relayingClient("pub"));
    }

    private static int refusedPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    @Test
    void shouldSplitSessionsByWeight() throws Exception
    {
        final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream b = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = vigil(1, "servers = [\"" + a.hostPort() + "\", \"" + b.hostPort() + " weight=3\"]");
        for (int i = 0; i < 200; i++)
        {
            relaying(vigil).close();
        }
        assertEquals(50, a.accepted());
        assertEquals(150, b.accepted());
    }

    @Test
    void shouldSendNewSessionsToTheServerWithFewestOpen() throws Exception
    {
        final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream b = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = vigil(2, "balance = least-conn, servers = [\"" + a.hostPort() + "\", \"" +
            b.hostPort() + "\"]");
        final List<Socket> held = new ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            held.add(relaying(vigil));
        }
        assertEquals(3, a.accepted(), "held sessions spread evenly across both loops");
        assertEquals(3, b.accepted());
        // a's three sessions end (the upstream closes them): the next three must all go to a
        for (final TestUpstream.Peer peer : a.peers())
        {
            peer.socket.close(); // the upstream ends them
        }
        int ended = 0;
        for (final Socket client : held)
        {
            // a half-close reaches the client; the client closes too, so the session ends
            client.setSoTimeout(500);
            try
            {
                if (client.getInputStream().read() == -1)
                {
                    client.close();
                    ended++;
                }
            }
            catch (final java.net.SocketTimeoutException stillOpen)
            {
                // a session on b: nothing to read, still open
            }
        }
        assertEquals(3, ended, "the clients of a's sessions saw EOF");
        Await.until(() -> vigil.closed().size() == 3, Duration.ofSeconds(5), "a's three sessions closed");
        for (int i = 0; i < 3; i++)
        {
            relaying(vigil);
        }
        assertEquals(6, a.accepted(), "least-conn refilled the emptied server");
        assertEquals(3, b.accepted());
    }

    @Test
    void shouldKeepAClientAddressOnOneServerWithHashAndNeverUseADownServer() throws Exception
    {
        final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream b = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream c = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream off = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final String servers = "servers = [\"" + a.hostPort() + "\", \"" + b.hostPort() + "\", \"" + c.hostPort() +
            "\", \"" + off.hostPort() + " down\"]";
        final VigilHarness byAddress = vigil(2, "balance = hash, consistent = true, " + servers);
        for (int i = 0; i < 12; i++)
        {
            relaying(byAddress).close();
        }
        final int[] counts = {a.accepted(), b.accepted(), c.accepted()};
        java.util.Arrays.sort(counts);
        assertEquals(12, counts[2], "one client address, one server, across both loops");

        final VigilHarness byPort = vigil(2, "balance = hash, hash-key = client-address-port, " + servers);
        for (int i = 0; i < 30; i++)
        {
            relaying(byPort).close();
        }
        assertEquals(42, a.accepted() + b.accepted() + c.accepted());
        assertTrue(java.util.stream.IntStream.of(a.accepted(), b.accepted(),
            c.accepted()).filter(n -> n > 0).count() >= 2,
            "client ports spread sessions over servers: " + a.accepted() + "/" + b.accepted() + "/" + c.accepted());
        assertEquals(0, off.accepted(), "a server marked down in config gets nothing");
    }

    @Test
    void shouldUseTheBackupOnlyWhenThePrimaryIsUnavailable() throws Exception
    {
        final TestUpstream primary = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream backup = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        VigilHarness vigil = vigil(1, "servers = [\"" + primary.hostPort() + "\", \"" + backup.hostPort() +
            " backup\"]");
        for (int i = 0; i < 10; i++)
        {
            relaying(vigil).close();
        }
        assertEquals(10, primary.accepted());
        assertEquals(0, backup.accepted(), "backup idle while the primary works");

        final int dead = refusedPort();
        vigil = vigil(1, "servers = [\"127.0.0.1:" + dead + "\", \"" + backup.hostPort() + " backup\"]");
        for (int i = 0; i < 5; i++)
        {
            relaying(vigil).close();
        }
        assertEquals(5, backup.accepted(), "primary refused: backup took every session");
    }

    @Test
    void shouldNeverExceedMaxConnsAcrossLoops() throws Exception
    {
        final TestUpstream limited = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream other = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = vigil(2, "servers = [\"" + limited.hostPort() + " max-conns=5 weight=10\", \"" +
            other.hostPort() + "\"]");
        final List<Thread> clients = new ArrayList<>();
        final List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 40; i++)
        {
            final Thread t = new Thread(() ->
            {
                try
                {
                    held.add(relaying(vigil));
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            clients.add(t);
            t.start();
        }
        for (final Thread t : clients)
        {
            t.join(20_000);
        }
        assertEquals(40, held.size(), "every session relayed");
        assertEquals(5, limited.accepted(), "max-conns=5 held under concurrency from two loops");
        assertEquals(35, other.accepted());

        // with only the limited server, sessions beyond max-conns are refused rather than queued
        final VigilHarness only = vigil(2, "servers = [\"" + limited.hostPort() + " max-conns=5\"]");
        for (int i = 0; i < 5; i++)
        {
            relaying(only);
        }
        try (Socket sixth = VigilHarness.connect(only.address("pub")))
        {
            assertEquals(-1, sixth.getInputStream().read(), "no server can take a sixth session");
        }
        final VigilHarness.Closed closed = only.awaitClosed(1, Duration.ofSeconds(5)).get(0);
        assertEquals(CloseReason.CONNECT_FAILED, closed.reason());
        only.awaitAccessLog("upstream=- tries=0 ");
    }

    @Test
    void shouldMarkAFailingServerUnavailableForFailTimeoutThenProbeItAgain() throws Exception
    {
        final TestUpstream good = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final int dead = refusedPort();
        final VigilHarness vigil = vigil(1, "servers = [\"127.0.0.1:" + dead + " max-fails=1 fail-timeout=3s\", \"" +
            good.hostPort() + "\"]");
        relaying(vigil).close();
        vigil.awaitAccessLog(" tries=2 "); // the first session met the dead server, then moved on
        final long markedAt = System.nanoTime();
        for (int i = 0; i < 5; i++)
        {
            relaying(vigil).close();
        }
        Await.until(() -> vigil.accessLog().lines().count() == 6, Duration.ofSeconds(5), "six log lines");
        assertTrue(Duration.ofNanos(System.nanoTime() - markedAt).toMillis() < 2500, "still inside fail-timeout");
        assertEquals(5, vigil.accessLog().lines().skip(1).filter(l -> l.contains(" tries=1 ")).count(),
            "inside fail-timeout nobody tried the dead server:\n" + vigil.accessLog());

        Await.until(() -> System.nanoTime() - markedAt > Duration.ofMillis(3100).toNanos(), Duration.ofSeconds(5),
            "fail-timeout over");
        for (int i = 0; i < 2; i++)
        {
            relaying(vigil).close();
        }
        Await.until(() -> vigil.accessLog().lines().count() == 8, Duration.ofSeconds(5), "eight log lines");
        assertEquals(1, vigil.accessLog().lines().skip(6).filter(l -> l.contains(" tries=2 ")).count(),
            "after fail-timeout exactly one session probed the dead server again:\n" + vigil.accessLog());
    }
}
