package io.vigil.tcp;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * max-connections and max-connections-per-client on real sockets, with two event loops (a client's connections
 * land on both; the per-client count must still be exact) and clients from distinct 127.x addresses: connections
 * over a limit are closed at once and counted by reason; closing one makes room; a reload changes the limits for
 * new connections while those open stay counted.
 */
@Timeout(60)
class ConnectionLimitsTest
{
    private static final String MAX = "vigil_listener_connections_rejected_total{listener=\"pub\"," +
        "reason=\"max_connections\"}";
    private static final String PER_CLIENT = "vigil_listener_connections_rejected_total{listener=\"pub\"," +
        "reason=\"max_connections_per_client\"}";

    @RegisterExtension
    final Closer closer = new Closer();

    private static String config(final TestUpstream upstream, final String limits)
    {
        return "vigil { event-loops = 2, admin { listen = \"127.0.0.1:0\" }, listeners = [{ name = pub, " +
            "listen = \"127.0.0.1:0\", upstream = up, access-log = false, " + limits + " }], upstreams { up { " +
            "servers = [\"" + upstream.hostPort() + "\"] } } }";
    }

    @Test
    void shouldCloseConnectionsOverMaxConnectionsAndAdmitOnceOneCloses() throws Exception
    {
        final TestUpstream upstream = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = closer.keep(VigilHarness.start(config(upstream, "max-connections = 5")));
        final List<Socket> open = new ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            open.add(closer.keep(relaying(vigil, "127.0.0." + (2 + i))));
        }
        for (int i = 0; i < 3; i++)
        {
            assertRefused(vigil, "127.0.1." + (2 + i));
        }
        assertEquals(3, Admin.metric(vigil.adminAddress(), MAX), "each refusal counted by reason");
        assertEquals(0, Admin.metric(vigil.adminAddress(), PER_CLIENT));
        for (final Socket client : open)
        {
            assertTrue(relays(client), "connections within the limit still relay");
        }
        open.get(0).close();
        Await.until(() -> relaysNew(vigil), Duration.ofSeconds(5), "a new connection is admitted once one closed");
    }

    @Test
    void shouldLimitEachClientAddressAcrossLoops() throws Exception
    {
        final TestUpstream upstream = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = closer.keep(VigilHarness.start(config(upstream,
            "max-connections-per-client = 3")));
        final int clients = 20;
        for (int c = 0; c < clients; c++)
        {
            final String address = "127.0.2." + (10 + c);
            for (int i = 0; i < 3; i++)
            {
                closer.keep(relaying(vigil, address));
            }
            assertRefused(vigil, address);
        }
        assertEquals(clients, Admin.metric(vigil.adminAddress(), PER_CLIENT), "one refusal per client");
        assertEquals(0, Admin.metric(vigil.adminAddress(), MAX));
        assertEquals(clients * 3, vigil.establishedCount(), "every client got its 3 sessions");
    }

    @Test
    void shouldApplyReloadedLimitsToNewConnections() throws Exception
    {
        final TestUpstream upstream = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final VigilHarness vigil = closer.keep(VigilHarness.start(config(upstream,
            "max-connections = 4, max-connections-per-client = 2")));
        final List<Socket> open = new ArrayList<>();
        open.add(closer.keep(relaying(vigil, "127.0.3.2")));
        open.add(closer.keep(relaying(vigil, "127.0.3.2")));
        assertRefused(vigil, "127.0.3.2");

        vigil.reload(config(upstream, "max-connections = 4, max-connections-per-client = 3"));
        open.add(closer.keep(relaying(vigil, "127.0.3.2"))); // the open two still count: this is the third
        assertRefused(vigil, "127.0.3.2");
        open.add(closer.keep(relaying(vigil, "127.0.3.3")));
        assertRefused(vigil, "127.0.3.4"); // max-connections: 4 open across both generations

        vigil.reload(config(upstream, "max-connections = 0, max-connections-per-client = 1"));
        assertRefused(vigil, "127.0.3.3"); // has one open
        closer.keep(relaying(vigil, "127.0.3.5"));
        for (final Socket client : open)
        {
            assertTrue(relays(client), "open connections stay when the limits shrink");
        }
        assertEquals(1, Admin.metric(vigil.adminAddress(), MAX), "max_connections refusals");
        assertEquals(3, Admin.metric(vigil.adminAddress(), PER_CLIENT), "max_connections_per_client refusals");
    }

    @Test
    void shouldCountHttpKeepAliveConnectionsOnceAcrossAReload() throws Exception
    {
        final TestOrigin origin = closer.keep(TestOrigin.start());
        final String config = "vigil { event-loops = 2, admin { listen = \"127.0.0.1:0\" }, listeners = [{ " +
            "name = pub, listen = \"127.0.0.1:0\", mode = http, upstream = up, access-log = false, " +
            "max-connections-per-client = 2 }], upstreams { up { servers = [\"" + origin.hostPort() + "\"] } } }";
        final VigilHarness vigil = closer.keep(VigilHarness.start(config));
        final RawHttp first = closer.keep(new RawHttp(vigil.address("pub")));
        final RawHttp second = closer.keep(new RawHttp(vigil.address("pub")));
        assertEquals(200, first.get("/hello").status());
        assertEquals(200, second.get("/hello").status());
        assertHttpRefused(vigil);

        // the kept-alive connections move to the new generation at their next request: still counted once each
        vigil.reload(config.replace("access-log = false", "access-log = false, proxy-timeout = 9m"));
        assertEquals(200, first.get("/hello").status());
        assertEquals(200, second.get("/hello").status());
        assertHttpRefused(vigil);
        first.close();
        final java.util.concurrent.atomic.AtomicReference<RawHttp> third = new java.util.concurrent.atomic
            .AtomicReference<>();
        Await.until(() ->
        {
            try
            {
                final RawHttp next = new RawHttp(vigil.address("pub"));
                try
                {
                    if (next.get("/hello").status() == 200)
                    {
                        third.set(closer.keep(next));
                        return true;
                    }
                }
                catch (final IOException ex)
                {
                    // refused: the closed one is not given back yet
                }
                next.close();
            }
            catch (final IOException ex)
            {
                // could not connect
            }
            return false;
        }, Duration.ofSeconds(5), "a closed keep-alive connection is given back");
        assertHttpRefused(vigil); // given back once: second and third fill the limit again
        assertEquals(200, second.get("/hello").status());
        assertEquals(200, third.get().get("/hello").status());
    }

    private static void assertHttpRefused(final VigilHarness vigil) throws IOException
    {
        try (RawHttp third = new RawHttp(vigil.address("pub")))
        {
            assertTrue(third.closedByPeer(), "a third connection from the same address is closed at once");
        }
    }

    private static Socket relaying(final VigilHarness vigil, final String from) throws IOException
    {
        final Socket client = connectFrom(vigil, from);
        assertTrue(relays(client), "a connection from " + from + " within the limits relays");
        return client;
    }

    /** Closed at once: EOF or reset before anything was relayed. */
    private static void assertRefused(final VigilHarness vigil, final String from) throws IOException
    {
        try (Socket client = connectFrom(vigil, from))
        {
            try
            {
                client.getOutputStream().write(1);
                assertFalse(client.getInputStream().read() == 1, "a connection from " + from + " over the limit " +
                    "was relayed");
            }
            catch (final IOException ex)
            {
                // reset: refused too
            }
        }
    }

    private static Socket connectFrom(final VigilHarness vigil, final String from) throws IOException
    {
        final Socket client = new Socket();
        client.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        client.connect(vigil.address("pub"), 5000);
        client.setSoTimeout(5000);
        return client;
    }

    private static boolean relays(final Socket client)
    {
        try
        {
            client.getOutputStream().write(7);
            return client.getInputStream().read() == 7;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static boolean relaysNew(final VigilHarness vigil)
    {
        try
        {
            final Socket client = connectFrom(vigil, "127.0.4.2");
            if (relays(client))
            {
                return true;
            }
            client.close();
            return false;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
