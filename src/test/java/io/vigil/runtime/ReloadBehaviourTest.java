package io.vigil.runtime;

import io.vigil.session.CloseReason;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.RawHttp;
import io.vigil.test.Ss;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a reload changes, each observed on the wire: listeners added and removed, weights, servers added and
 * removed, a keepalive re-tuned on sockets already open (as {@code ss} shows it), HTTP keep-alive connections
 * moving to the new generation, drain-timeout, and a reload that cannot be applied changing nothing.
 */
@Timeout(60)
class ReloadBehaviourTest
{
    @RegisterExtension
    final Closer closer = new Closer();

    private static String tcp(final String listeners, final String upstreams)
    {
        return tcp(2, listeners, upstreams);
    }

    /** One loop where a test counts exact shares: each loop balances on its own. */
    private static String tcp(final int loops, final String listeners, final String upstreams)
    {
        return "vigil { event-loops = " + loops + ", shutdown-timeout = 1s, listeners = [" + listeners +
            "], upstreams { " + upstreams + " } }";
    }

    private static String listener(final String name, final String extra)
    {
        return "{ name = " + name + ", listen = \"127.0.0.1:0\", upstream = up" + extra + " }";
    }

    private static String servers(final String... servers)
    {
        return "up { servers = [\"" + String.join("\", \"", servers) + "\"] }";
    }

    private static void echoes(final Socket session, final int value) throws IOException
    {
        session.getOutputStream().write(value);
        assertEquals(value, session.getInputStream().read(), "the session relays both ways");
    }

    @Test
    void shouldBindAddedListenersAndCloseRemovedOnesWhileTheirSessionsRunOn() throws Exception
    {
        final TestUpstream echo = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = closer.keep(VigilHarness.start(tcp(listener("a", ""), servers(echo.hostPort()))));
        final InetSocketAddress a = vigil.address("a");
        final Socket onA = closer.keep(vigil.relayingClient("a"));

        final Reloaded added = vigil.reload(tcp(listener("a", "") + ", " + listener("b", ""),
            servers(echo.hostPort())));
        assertEquals(List.of("b"), added.added());
        assertEquals(List.of("a"), added.kept());
        assertEquals(a, vigil.address("a"), "a kept its socket");
        closer.keep(vigil.relayingClient("b")).close();
        closer.keep(vigil.relayingClient("a")).close();

        final Reloaded removed = vigil.reload(tcp(listener("b", ""), servers(echo.hostPort())));
        assertEquals(List.of("a"), removed.removed());
        Await.until(() -> refuses(a), Duration.ofSeconds(5), "the removed listener's port refuses");
        closer.keep(vigil.relayingClient("b")).close();
        echoes(onA, 42);
        Await.until(() -> vigil.server().liveGenerations() == 2, Duration.ofSeconds(5),
            "generation 2 (no session) released, generation 1 lives while its session does");
        onA.close();
        Await.until(() -> vigil.server().liveGenerations() == 1, Duration.ofSeconds(10),
            "old generations released once their sessions ended");
    }

    private static boolean refuses(final InetSocketAddress address)
    {
        try (Socket probe = new Socket())
        {
            probe.connect(address, 1000);
            return false;
        }
        catch (final ConnectException ex)
        {
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    @Test
    void shouldSplitNewSessionsByTheNewWeights() throws Exception
    {
        final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream b = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = closer.keep(VigilHarness.start(tcp(1, listener("pub", ""),
            servers(a.hostPort() + " weight=3", b.hostPort()))));
        for (int i = 0; i < 40; i++)
        {
            vigil.relayingClient("pub").close();
        }
        assertEquals(30, a.accepted());
        assertEquals(10, b.accepted());
        vigil.reload(tcp(1, listener("pub", ""), servers(a.hostPort(), b.hostPort() + " weight=4")));
        for (int i = 0; i < 50; i++)
        {
            vigil.relayingClient("pub").close();
        }
        assertEquals(30 + 10, a.accepted());
        assertEquals(10 + 40, b.accepted());
    }

    @Test
    void shouldSendNoNewSessionToARemovedServerAndKeepItsSessionsByDefault() throws Exception
    {
        final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream b = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = closer.keep(VigilHarness.start(tcp(1, listener("pub", ""), servers(a.hostPort()))));
        final Socket toA = closer.keep(vigil.relayingClient("pub"));

        vigil.reload(tcp(1, listener("pub", ""), servers(a.hostPort(), b.hostPort())));
        for (int i = 0; i < 10; i++)
        {
            vigil.relayingClient("pub").close();
        }
        assertEquals(6, a.accepted(), "round robin over the added server");
        assertEquals(5, b.accepted());

        vigil.reload(tcp(1, listener("pub", ""), servers(b.hostPort())));
        for (int i = 0; i < 10; i++)
        {
            vigil.relayingClient("pub").close();
        }
        assertEquals(6, a.accepted(), "a removed server gets no new session");
        assertEquals(15, b.accepted());
        echoes(toA, 9);
    }

    @Test
    void shouldCloseSessionsToARemovedServerWhenAsked() throws Exception
    {
        final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream b = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final String close = ", on-server-removed = close-sessions";
        final VigilHarness vigil = closer.keep(VigilHarness.start(tcp(1, listener("pub", ""),
            "up { servers = [\"" + a.hostPort() + "\", \"" + b.hostPort() + "\"]" + close + " }")));
        final Socket toA = closer.keep(vigil.relayingClient("pub"));
        final Socket toB = closer.keep(vigil.relayingClient("pub"));
        assertEquals(1, a.sessions());

        vigil.reload(tcp(1, listener("pub", ""), "up { servers = [\"" + b.hostPort() + "\"]" + close + " }"));
        assertEquals(CloseReason.RELOAD, vigil.awaitClosed(1, Duration.ofSeconds(5)).get(0).reason());
        toA.setSoTimeout(5000);
        assertEquals(-1, toA.getInputStream().read(), "the client of the removed server is closed");
        echoes(toB, 3);
    }

    @Test
    void shouldRetuneKeepaliveOnSocketsAlreadyOpen() throws Exception
    {
        final TestUpstream echo = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = closer.keep(VigilHarness.start(tcp(listener("pub", ", so-keepalive = \"600:30:3\""),
            "up { servers = [\"" + echo.hostPort() + "\"], so-keepalive = \"900:30:3\" }")));
        final InetSocketAddress pub = vigil.address("pub");
        final Socket client = closer.keep(vigil.relayingClient("pub"));
        final String clientSide = "( sport = :" + pub.getPort() + " and dport = :" + client.getLocalPort() + " )";
        final String upstreamSide = "( dport = :" + echo.port() + " )";
        assertTrue(keepaliveLeft(clientSide) > 500, "600 s idle before the reload");
        assertTrue(keepaliveLeft(upstreamSide) > 800, "900 s idle before the reload");

        final Reloaded reloaded = vigil.reload(tcp(listener("pub", ", so-keepalive = \"5:3:2\""),
            "up { servers = [\"" + echo.hostPort() + "\"], so-keepalive = \"8:3:2\" }"));
        assertEquals(2, reloaded.retunedSockets());
        assertEquals(2, vigil.server().retunedSockets());
        final double client5 = keepaliveLeft(clientSide);
        final double upstream8 = keepaliveLeft(upstreamSide);
        assertTrue(client5 > 0 && client5 <= 5, "the open client socket runs the new 5 s idle: " + client5);
        assertTrue(upstream8 > 0 && upstream8 <= 8, "the open upstream socket runs the new 8 s idle: " + upstream8);
        echoes(client, 5);
    }

    private static double keepaliveLeft(final String filter) throws IOException
    {
        final List<String> lines = Ss.established(filter);
        assertEquals(1, lines.size(), "one socket for " + filter + ": " + lines);
        return Ss.keepaliveSecondsLeft(lines.get(0));
    }

    @Test
    void shouldMoveAKeptAliveHttpConnectionToTheNewGenerationAtItsNextRequest() throws Exception
    {
        final TestOrigin one = closer.keep(TestOrigin.start());
        final TestOrigin two = closer.keep(TestOrigin.start());
        one.extraHeaders("X-Origin: one\r\n");
        two.extraHeaders("X-Origin: two\r\n");
        final VigilHarness vigil = closer.keep(VigilHarness.start(http(one)));
        final RawHttp client = closer.keep(new RawHttp(vigil.address("web")));
        assertEquals("one", client.get("/hello").header("x-origin"));

        vigil.reload(http(two));
        assertEquals("two", client.get("/hello").header("x-origin"), "the same client connection, new upstreams");
        assertEquals(1, one.connections());
        Await.until(() -> one.openConnections() == 0, Duration.ofSeconds(5),
            "the old generation's idle pooled connection is closed");
        Await.until(() -> vigil.server().liveGenerations() == 1, Duration.ofSeconds(5),
            "the old generation is released once its connection moved");
    }

    private static String http(final TestOrigin origin)
    {
        return "vigil { event-loops = 1, listeners = [{ name = web, listen = \"127.0.0.1:0\", mode = http, " +
            "upstream = app }], upstreams { app { servers = [\"" + origin.hostPort() + "\"] } } }";
    }

    @Test
    void shouldCloseOldSessionsAtTheListenersDrainTimeout() throws Exception
    {
        final TestUpstream echo = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final String withDrain = listener("pub", ", drain-timeout = 1s");
        final VigilHarness vigil = closer.keep(VigilHarness.start(tcp(withDrain, servers(echo.hostPort()))));
        final Socket old = closer.keep(vigil.relayingClient("pub"));
        final long reloadedNs = System.nanoTime();
        vigil.reload(tcp(withDrain, servers(echo.hostPort())));
        final Socket young = closer.keep(vigil.relayingClient("pub"));
        final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(10)).get(0);
        assertEquals(CloseReason.RELOAD, closed.reason());
        assertTrue(closed.atNs() - reloadedNs >= 900_000_000L, "not before the drain-timeout");
        old.setSoTimeout(5000);
        assertEquals(-1, old.getInputStream().read());
        echoes(young, 1);
        assertEquals(1, vigil.closed().size(), "the new generation's session is not cut");
    }

    @Test
    void shouldChangeNothingWhenTheNewConfigurationCannotBeApplied() throws Exception
    {
        final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream b = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = closer.keep(VigilHarness.start(tcp(listener("pub", ""), servers(a.hostPort()))));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final String busy = "{ name = busy, listen = \"127.0.0.1:" + taken.getLocalPort() + "\", upstream = up }";
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> vigil.reload(tcp(listener("pub", "") + ", " + busy, servers(b.hostPort()))));
            assertTrue(refused.getMessage().contains("listener busy"), refused.getMessage());
        }
        assertEquals(1, vigil.server().generation());
        assertEquals(1, vigil.server().reloadFailures());
        vigil.relayingClient("pub").close();
        assertEquals(1, a.accepted(), "the old upstreams still serve");
        assertEquals(0, b.accepted());

        final IllegalStateException loops = assertThrows(IllegalStateException.class, () -> vigil.reload(
            tcp(listener("pub", ""), servers(a.hostPort())).replace("event-loops = 2", "event-loops = 3")));
        assertTrue(loops.getMessage().contains("event-loops cannot change"), loops.getMessage());
        assertEquals(1, vigil.server().generation());
    }
}
