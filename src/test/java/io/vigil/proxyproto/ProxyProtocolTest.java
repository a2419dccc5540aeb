package io.vigil.proxyproto;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static io.vigil.proxyproto.ProxyHeaderParserTest.ascii;
import static io.vigil.proxyproto.ProxyHeaderParserTest.join;
import static io.vigil.proxyproto.ProxyHeaderParserTest.v2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener with proxy-protocol = on, end to end over loopback: the header's address replaces the socket's, the
 * bytes after it reach the upstream, bad or late headers and untrusted peers are refused and counted, and an
 * upstream with send-proxy-protocol gets the client's address first.
 */
@Timeout(30)
class ProxyProtocolTest
{
    private static final byte[] PAYLOAD = ascii("hello after the header\n");

    private static String config(final String listener, final String upstreams)
    {
        return "vigil { admin { listen = \"127.0.0.1:0\" }, listeners = [{ name = pp, listen = \"127.0.0.1:0\", " +
            "upstream = up, proxy-protocol = on, " + listener + " }], upstreams { " + upstreams + " } }";
    }

    private static String echo(final TestUpstream upstream, final String extra)
    {
        return "up { servers = [\"" + upstream.hostPort() + "\"], " + extra + " }";
    }

    private static byte[] readExactly(final InputStream in, final int length) throws IOException
    {
        final byte[] bytes = in.readNBytes(length);
        assertEquals(length, bytes.length, "stream ended early");
        return bytes;
    }

    /** A FIN, or a reset when Vigil closed with client bytes unread (the kernel's answer then). */
    private static void assertClosedByVigil(final Socket client) throws IOException
    {
        try
        {
            assertEquals(-1, client.getInputStream().read(), "closed by Vigil");
        }
        catch (final java.net.SocketException ex)
        {
            assertTrue(String.valueOf(ex.getMessage()).contains("reset"), ex.toString());
        }
    }

    private static double rejected(final VigilHarness vigil, final String reason) throws IOException
    {
        return Admin.metric(vigil.adminAddress(),
            "vigil_listener_connections_rejected_total{listener=\"pp\",reason=\"" + reason + "\"}");
    }

    private static void awaitRejected(final VigilHarness vigil, final String reason) throws IOException
    {
        Await.until(() ->
        {
            try
            {
                return rejected(vigil, reason) == 1;
            }
            catch (final IOException ex)
            {
                return false;
            }
        }, Duration.ofSeconds(10), "one connection rejected for " + reason);
    }

    @Test
    void shouldUseTheV1AddressAndForwardTheBytesSentWithTheHeader() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config("", echo(upstream, ""))))
        {
            try (Socket client = VigilHarness.connect(vigil.address("pp")))
            {
                // one write: header and payload arrive together; not one payload byte may be lost or taken
                client.getOutputStream().write(join(ascii("PROXY TCP4 203.0.113.7 10.1.1.1 4242 443\r\n"), PAYLOAD));
                assertArrayEquals(PAYLOAD, readExactly(client.getInputStream(), PAYLOAD.length));
                final String connections = Admin.get(vigil.adminAddress(), "/connections").body();
                assertTrue(connections.contains("203.0.113.7"), connections);
                // a FIN after the header and payload is forwarded as ever (the echo upstream answers with its own)
                client.shutdownOutput();
                assertEquals(-1, client.getInputStream().read());
            }
            vigil.awaitAccessLog("client=203.0.113.7:4242");
        }
    }

    /**
     * max-connections-per-client counts the client the header names, not the load balancer every connection
     * comes from: three clients behind one balancer each get their connection, a second one of the same client
     * is refused. Two loops, so the per-client count must also move a connection to its client's home loop after
     * the header was read on another.
     */
    @Test
    void shouldLimitConnectionsPerClientByTheHeaderAddress() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config("max-connections-per-client = 1", echo(upstream, ""))
                .replace("vigil {", "vigil { event-loops = 2,")))
        {
            final java.util.List<Socket> open = new java.util.ArrayList<>();
            try
            {
                for (int i = 1; i <= 6; i++)
                {
                    final Socket client = VigilHarness.connect(vigil.address("pp"));
                    open.add(client);
                    client.getOutputStream().write(join(ascii("PROXY TCP4 198.51.100." + i + " 10.1.1.1 " +
                        (4000 + i) + " 443\r\n"), PAYLOAD));
                    assertArrayEquals(PAYLOAD, readExactly(client.getInputStream(), PAYLOAD.length),
                        "client 198.51.100." + i + " behind the same balancer address");
                }
                try (Socket again = VigilHarness.connect(vigil.address("pp")))
                {
                    again.getOutputStream().write(join(ascii("PROXY TCP4 198.51.100.3 10.1.1.1 5003 443\r\n"),
                        PAYLOAD));
                    assertClosedByVigil(again);
                }
                assertEquals(1.0, Admin.metric(vigil.adminAddress(), "vigil_listener_connections_rejected_total" +
                    "{listener=\"pp\",reason=\"max_connections_per_client\"}"), "a second connection of 198.51.100.3");
                for (final Socket client : open)
                {
                    client.getOutputStream().write(PAYLOAD); // every admitted session still relays
                    assertArrayEquals(PAYLOAD, readExactly(client.getInputStream(), PAYLOAD.length));
                }
            }
            finally
            {
                for (final Socket client : open)
                {
                    client.close();
                }
            }
        }
    }

    @Test
    void shouldServeOthersWhileAHeaderStalls() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config("", echo(upstream, "")).replace("vigil {",
                "vigil { event-loops = 1,")))
        {
            try (Socket stalled = VigilHarness.connect(vigil.address("pp"));
                Socket other = VigilHarness.connect(vigil.address("pp")))
            {
                stalled.getOutputStream().write(ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1"));
                other.setSoTimeout(5000); // the one loop must not wait for the stalled header
                other.getOutputStream().write(join(ascii("PROXY TCP4 192.0.2.9 192.0.2.2 9 9\r\n"), PAYLOAD));
                assertArrayEquals(PAYLOAD, readExactly(other.getInputStream(), PAYLOAD.length));
            }
        }
    }

    @Test
    void shouldReadAV2HeaderWithTlvsSplitAcrossSegments() throws Exception
    {
        final byte[] v6 = new byte[36];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[2] = 0x0d;
        v6[3] = (byte)0xb8;
        v6[15] = 0x09;
        v6[31] = 0x01;
        v6[32] = 0x13;
        v6[33] = (byte)0x88;
        v6[35] = 80;
        final byte[] tlvs = new byte[600];
        tlvs[0] = 0x05; // PP2_TYPE_UNIQUE_ID, 597 bytes
        tlvs[1] = 0x02;
        tlvs[2] = 0x55;
        final byte[] header = v2(1, 0x21, v6, tlvs);
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config("", echo(upstream, ""))))
        {
            try (Socket client = VigilHarness.connect(vigil.address("pp")))
            {
                client.setTcpNoDelay(true);
                final OutputStream out = client.getOutputStream();
                final int[] cuts = {1, 13, 15, 17, 40, 300};
                int at = 0;
                for (final int cut : cuts)
                {
                    out.write(header, at, cut - at);
                    out.flush();
                    at = cut;
                    Thread.sleep(20); // separate segments (the parser's own tests cover every split)
                }
                out.write(join(java.util.Arrays.copyOfRange(header, at, header.length), PAYLOAD));
                assertArrayEquals(PAYLOAD, readExactly(client.getInputStream(), PAYLOAD.length));
            }
            vigil.awaitAccessLog("client=[2001:db8:0:0:0:0:0:9]:5000");
        }
    }

    @Test
    void shouldKeepTheSocketAddressForV2Local() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config("", echo(upstream, ""))))
        {
            try (Socket client = VigilHarness.connect(vigil.address("pp")))
            {
                client.getOutputStream().write(join(v2(0, 0x00, new byte[0], new byte[0]), PAYLOAD));
                assertArrayEquals(PAYLOAD, readExactly(client.getInputStream(), PAYLOAD.length));
            }
            vigil.awaitAccessLog("client=127.0.0.1:");
        }
    }

    @Test
    void shouldCloseAConnectionWhoseHeaderIsLate() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config("proxy-protocol-timeout = 300ms", echo(upstream, ""))))
        {
            try (Socket client = VigilHarness.connect(vigil.address("pp")))
            {
                client.getOutputStream().write(ascii("PROXY TCP4 1.2.3.4"));
                final long start = System.nanoTime();
                assertClosedByVigil(client);
                assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
            }
            awaitRejected(vigil, "proxy_timeout");
            assertEquals(0, upstream.accepted(), "no upstream connection for a client without a header");
        }
    }

    @Test
    void shouldRefuseAConnectionWithoutAHeader() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config("", echo(upstream, ""))))
        {
            try (Socket client = VigilHarness.connect(vigil.address("pp")))
            {
                client.getOutputStream().write(ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertClosedByVigil(client);
            }
            awaitRejected(vigil, "proxy_invalid");
            try (Socket client = VigilHarness.connect(vigil.address("pp")))
            {
                client.getOutputStream().write(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1"));
            }
            awaitRejected(vigil, "proxy_closed");
            assertEquals(0, upstream.accepted());
        }
    }

    @Test
    void shouldRefuseAPeerOutsideTheTrustedBlocks() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config(
                "proxy-protocol-trusted = [\"10.0.0.0/8\", \"127.0.0.2/32\"], listen = \"0.0.0.0:0\"",
                echo(upstream, ""))))
        {
            final int port = vigil.address("pp").getPort();
            try (Socket client = VigilHarness.connect(new InetSocketAddress("127.0.0.1", port)))
            {
                client.getOutputStream().write(join(ascii("PROXY UNKNOWN\r\n"), PAYLOAD));
                assertClosedByVigil(client);
            }
            awaitRejected(vigil, "proxy_untrusted");
            try (Socket client = new Socket())
            {
                client.bind(new InetSocketAddress("127.0.0.2", 0));
                client.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                client.setSoTimeout(20_000);
                client.getOutputStream().write(join(ascii("PROXY UNKNOWN\r\n"), PAYLOAD));
                assertArrayEquals(PAYLOAD, readExactly(client.getInputStream(), PAYLOAD.length));
            }
        }
    }

    @Test
    void shouldSendTheClientAddressUpstreamInV1AndV2() throws Exception
    {
        for (final String version : new String[] {"v1", "v2"})
        {
            try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
                VigilHarness vigil = VigilHarness.start(config("",
                    echo(upstream, "send-proxy-protocol = " + version))))
            {
                final InetSocketAddress listen = vigil.address("pp");
                try (Socket client = VigilHarness.connect(listen))
                {
                    // the address the client's own header names travels on (chained proxies)
                    client.getOutputStream().write(join(ascii("PROXY TCP4 198.51.100.4 10.1.1.1 7000 443\r\n"),
                        PAYLOAD));
                    // the echo upstream returns what Vigil sent it: a header, then the payload
                    final ProxyHeaderParser parser = new ProxyHeaderParser();
                    final InputStream in = client.getInputStream();
                    while (parser.status() == ProxyHeaderParser.NEED_MORE)
                    {
                        parser.feed(ByteBuffer.wrap(readExactly(in, parser.maxRead())));
                    }
                    assertEquals(ProxyHeaderParser.DONE, parser.status());
                    assertEquals(version.equals("v1") ? 1 : 2, parser.version());
                    assertEquals(new InetSocketAddress(InetAddress.getByName("198.51.100.4"), 7000),
                        parser.sourceAddress());
                    assertEquals(listen, parser.destinationAddress(), "the address the client connected to");
                    assertArrayEquals(PAYLOAD, readExactly(in, PAYLOAD.length));
                }
            }
        }
    }

    /**
     * The whole chain on one tcp listener: a PROXY header in, SNI routing reading ahead (here a first byte that is
     * not TLS, so the default route), and a PROXY header out. The upstream must get the header first and then every
     * byte the routing step read, in order: the header names the client from the incoming header.
     */
    @Test
    void shouldSendTheHeaderBeforeTheBytesRoutingReadAhead() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start("vigil { listeners = [{ name = pp, listen = \"127.0.0.1:0\", " +
                "proxy-protocol = on, routes { \"api.example.com\" = up, default = up } }], upstreams { " +
                echo(upstream, "send-proxy-protocol = v1") + " } }"))
        {
            try (Socket client = VigilHarness.connect(vigil.address("pp")))
            {
                client.getOutputStream().write(join(ascii("PROXY TCP4 198.51.100.9 10.1.1.1 7009 443\r\n"),
                    PAYLOAD));
                final ProxyHeaderParser parser = new ProxyHeaderParser();
                final InputStream in = client.getInputStream();
                while (parser.status() == ProxyHeaderParser.NEED_MORE)
                {
                    parser.feed(ByteBuffer.wrap(readExactly(in, parser.maxRead())));
                }
                assertEquals(ProxyHeaderParser.DONE, parser.status(), "a PROXY header first");
                assertEquals(new InetSocketAddress(InetAddress.getByName("198.51.100.9"), 7009),
                    parser.sourceAddress());
                assertArrayEquals(PAYLOAD, readExactly(in, PAYLOAD.length), "then the bytes routing read ahead");
            }
        }
    }

    @Test
    void shouldHashTheHeaderAddressNotTheSocketOne() throws Exception
    {
        try (TestUpstream a = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            TestUpstream b = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config("", "up { servers = [\"" + a.hostPort() + "\", \"" +
                b.hostPort() + "\"], balance = hash }")))
        {
            final Map<String, Set<Integer>> servers = new HashMap<>();
            for (int round = 0; round < 2; round++)
            {
                for (int client = 1; client <= 16; client++)
                {
                    final String address = "198.51.100." + client;
                    final int before = a.accepted();
                    try (Socket socket = VigilHarness.connect(vigil.address("pp")))
                    {
                        socket.getOutputStream().write(join(ascii("PROXY TCP4 " + address + " 10.0.0.1 5555 80\r\n"),
                            PAYLOAD));
                        readExactly(socket.getInputStream(), PAYLOAD.length);
                    }
                    servers.computeIfAbsent(address, k -> new HashSet<>()).add(a.accepted() > before ? 0 : 1);
                }
            }
            final Set<Integer> used = new HashSet<>();
            servers.forEach((address, chosen) ->
            {
                assertEquals(1, chosen.size(), address + " always goes to the same server");
                used.addAll(chosen);
            });
            assertEquals(2, used.size(), "distinct header addresses spread over both servers: " + servers);
        }
    }

    @Test
    void shouldPutTheHeaderAddressInXForwardedFor() throws Exception
    {
        try (TestOrigin origin = TestOrigin.start();
            VigilHarness vigil = VigilHarness.start(config("mode = http, add-x-forwarded = true, add-forwarded = true",
                "up { servers = [\"" + origin.hostPort() + "\"] }")))
        {
            try (Socket client = VigilHarness.connect(vigil.address("pp")))
            {
                client.getOutputStream().write(join(ascii("PROXY TCP6 2001:db8::5 2001:db8::1 6000 80\r\n"),
                    ascii("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")));
                final String response = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(response.startsWith("HTTP/1.1 200"), response);
            }
            final String received = origin.received();
            assertTrue(received.contains("X-Forwarded-For: 2001:db8:0:0:0:0:0:5\r\n"), received);
            assertTrue(received.contains("Forwarded: for=\"[2001:db8:0:0:0:0:0:5]\""), received);
        }
    }
}
