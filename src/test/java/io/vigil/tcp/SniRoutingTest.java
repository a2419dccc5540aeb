package io.vigil.tcp;

import io.vigil.session.CloseReason;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SNI routing with real TLS peers: {@code openssl s_server} origins, one per route, told apart by their
 * certificates' CN as {@code openssl s_client -servername} and {@code curl --resolve} see them through Vigil, which
 * never terminates TLS. And with raw sockets where the bytes matter: a ClientHello sent a byte at a time reaches the
 * chosen upstream whole, a stream that is not TLS goes to the default, a stalled or oversized hello is handled.
 */
@Timeout(120)
class SniRoutingTest
{
    private static final Closer ORIGINS = new Closer();
    private static TlsOrigin api;
    private static TlsOrigin web;
    private static TlsOrigin fallback;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startOrigins() throws Exception
    {
        api = ORIGINS.keep(TlsOrigin.start("api-origin", dir));
        web = ORIGINS.keep(TlsOrigin.start("web-origin", dir));
        fallback = ORIGINS.keep(TlsOrigin.start("fallback-origin", dir));
    }

    @AfterAll
    static void stopOrigins() throws Exception
    {
        ORIGINS.close();
    }

    private static String upstreams(final String... nameHostPort)
    {
        final StringBuilder out = new StringBuilder(", upstreams { ");
        for (int i = 0; i < nameHostPort.length; i += 2)
        {
            out.append(nameHostPort[i]).append(" { servers = [\"").append(nameHostPort[i + 1]).append("\"] }, ");
        }
        return out.append("} ").toString();
    }

    private static String tlsConfig(final String routes)
    {
        return "vigil { event-loops = 2, listeners = [{ name = sni, listen = \"127.0.0.1:0\", routes { " + routes +
            " } }] " + upstreams("api", api.hostPort(), "web", web.hostPort(), "fallback", fallback.hostPort()) + "}";
    }

    /** The CN of the certificate {@code openssl s_client} saw, or its output when it saw none. */
    private static String opensslSees(final InetSocketAddress vigil, final String serverName) throws Exception
    {
        final String output = serverName == null ?
            TlsOrigin.run("openssl", "s_client", "-connect", "127.0.0.1:" + vigil.getPort(), "-noservername") :
            TlsOrigin.run("openssl", "s_client", "-connect", "127.0.0.1:" + vigil.getPort(), "-servername",
                serverName);
        return certificateName(output, "depth=0 CN = ");
    }

    private static String certificateName(final String output, final String marker)
    {
        final int at = output.indexOf(marker);
        if (at < 0)
        {
            return "no certificate: " + output;
        }
        final int end = output.indexOf('\n', at);
        return output.substring(at + marker.length(), end < 0 ? output.length() : end).trim();
    }

    @Test
    void shouldRouteOpensslClientsByServerName() throws Exception
    {
        try (VigilHarness vigil = VigilHarness.start(tlsConfig(
            "\"api.example.com\" = api, \"*.example.com\" = web, default = fallback")))
        {
            final InetSocketAddress address = vigil.address("sni");
            assertEquals("api-origin", opensslSees(address, "api.example.com"), "exact beats the wildcard");
            assertEquals("api-origin", opensslSees(address, "API.Example.COM"), "names compare case-insensitively");
            assertEquals("web-origin", opensslSees(address, "www.example.com"));
            assertEquals("web-origin", opensslSees(address, "a.b.example.com"), "a wildcard matches several labels");
            assertEquals("fallback-origin", opensslSees(address, "example.com"), "*.example.com is not example.com");
            assertEquals("fallback-origin", opensslSees(address, "other.test"));
            assertEquals("fallback-origin", opensslSees(address, null), "no server name: default");
            vigil.awaitAccessLog("sni=www.example.com");
        }
    }

    @Test
    void shouldRouteCurlByServerName() throws Exception
    {
        try (VigilHarness vigil = VigilHarness.start(tlsConfig("\"api.example.com\" = api, default = web")))
        {
            final int port = vigil.address("sni").getPort();
            for (final String host : List.of("api.example.com", "www.example.com"))
            {
                final String output = TlsOrigin.run("curl", "-sk", "-v", "--max-time", "20", "--resolve",
                    host + ":" + port + ":127.0.0.1", "https://" + host + ":" + port + "/");
                assertTrue(output.contains("HTTP/1.0 200 ok"), output);
                assertEquals(host.startsWith("api") ? "api-origin" : "web-origin",
                    certificateName(output, "subject: CN="), output);
            }
        }
    }

    @Test
    void shouldCloseWhatNoRouteTakesWithoutADefault() throws Exception
    {
        try (VigilHarness vigil = VigilHarness.start(tlsConfig("\"api.example.com\" = api")))
        {
            final InetSocketAddress address = vigil.address("sni");
            assertEquals("api-origin", opensslSees(address, "api.example.com"));
            assertTrue(opensslSees(address, "www.example.com").startsWith("no certificate"));
            try (Socket plain = VigilHarness.connect(address))
            {
                plain.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals(-1, plain.getInputStream().read(), "not TLS, no default: closed");
            }
            Await.until(() -> vigil.closed().stream().filter(c -> c.reason() == CloseReason.NO_ROUTE).count() == 2,
                Duration.ofSeconds(10), "two sessions closed with reason no_route: " + vigil.closed());
        }
    }

    private static String echoConfig(final TestUpstream one, final TestUpstream two, final String extra)
    {
        return "vigil { event-loops = 1, listeners = [{ name = sni, listen = \"127.0.0.1:0\", " + extra +
            " routes { \"api.example.com\" = one, default = two } }] " +
            upstreams("one", one.hostPort(), "two", two.hostPort()) + "}";
    }

    private static byte[] clientHello(final String serverName) throws Exception
    {
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        final SSLEngine engine = context.createSSLEngine(serverName, 443);
        engine.setUseClientMode(true);
        final SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        engine.setSSLParameters(parameters);
        final ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        return Arrays.copyOf(out.array(), out.position());
    }

    private static byte[] readExactly(final InputStream in, final int n) throws Exception
    {
        final byte[] bytes = in.readNBytes(n);
        assertEquals(n, bytes.length, "echoed bytes");
        return bytes;
    }

    @Test
    void shouldForwardEveryByteOfAHelloSentAByteAtATime() throws Exception
    {
        try (Closer closer = new Closer())
        {
            final TestUpstream one = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final TestUpstream two = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final VigilHarness vigil = closer.keep(VigilHarness.start(echoConfig(one, two, "")));
            final byte[] hello = clientHello("api.example.com");
            final byte[] after = "and then application data".getBytes(StandardCharsets.US_ASCII);
            try (Socket client = VigilHarness.connect(vigil.address("sni")))
            {
                client.setTcpNoDelay(true);
                client.setSoTimeout(20_000);
                final OutputStream out = client.getOutputStream();
                for (final byte b : hello)
                {
                    out.write(b);
                    out.flush();
                }
                out.write(after);
                assertArrayEquals(hello, readExactly(client.getInputStream(), hello.length));
                assertArrayEquals(after, readExactly(client.getInputStream(), after.length));
            }
            assertEquals(1, one.accepted(), "routed by the name in the split hello");
            assertEquals(0, two.accepted());
        }
    }

    @Test
    void shouldSendWhatIsNotTlsToTheDefaultUnchanged() throws Exception
    {
        try (Closer closer = new Closer())
        {
            final TestUpstream one = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final TestUpstream two = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final VigilHarness vigil = closer.keep(VigilHarness.start(echoConfig(one, two, "")));
            final byte[] request = "SSH-2.0-not-tls\r\n".getBytes(StandardCharsets.US_ASCII);
            try (Socket client = VigilHarness.connect(vigil.address("sni")))
            {
                client.setSoTimeout(20_000);
                client.getOutputStream().write(request);
                assertArrayEquals(request, readExactly(client.getInputStream(), request.length));
            }
            assertEquals(0, one.accepted());
            assertEquals(1, two.accepted());
        }
    }

    @Test
    void shouldRouteAStalledHelloByWhatArrivedWhenPrereadTimesOut() throws Exception
    {
        try (Closer closer = new Closer())
        {
            final TestUpstream one = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final TestUpstream two = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final VigilHarness vigil = closer.keep(VigilHarness.start(echoConfig(one, two,
                "preread-timeout = 300ms, ")));
            final byte[] start = Arrays.copyOf(clientHello("api.example.com"), 20);
            try (Socket client = VigilHarness.connect(vigil.address("sni")))
            {
                client.setSoTimeout(20_000);
                client.getOutputStream().write(start);
                final long sentNs = System.nanoTime();
                assertArrayEquals(start, readExactly(client.getInputStream(), start.length));
                assertTrue(System.nanoTime() - sentNs >= 250_000_000L, "not before preread-timeout");
            }
            assertEquals(0, one.accepted(), "the name never arrived");
            assertEquals(1, two.accepted());
        }
    }

    @Test
    void shouldCloseAHelloLongerThanItsBound() throws Exception
    {
        try (Closer closer = new Closer())
        {
            final TestUpstream one = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final TestUpstream two = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final VigilHarness vigil = closer.keep(VigilHarness.start(echoConfig(one, two, "")));
            // a well-formed start whose cipher suite list runs on past 16k: no answer within the bound
            final ByteBuffer hello = ByteBuffer.allocate(5 + 16384 + 5 + 16384);
            hello.put(new byte[] {22, 3, 1, 0x40, 0}).put(new byte[] {1, (byte)0xff, (byte)0xff, (byte)0xff, 3, 3});
            hello.put(new byte[32]).put((byte)0).putShort((short)0xfffe);
            hello.position(5 + 16384);
            hello.put(new byte[] {22, 3, 1, 0x40, 0});
            try (Socket client = VigilHarness.connect(vigil.address("sni")))
            {
                client.setSoTimeout(20_000);
                client.getOutputStream().write(hello.array());
                // closed with our unread bytes still in Vigil's receive queue: the kernel answers the close with
                // a reset, and a FIN comes first only if Vigil shut its side down before closing; either is closed
                try
                {
                    assertEquals(-1, client.getInputStream().read(), "closed");
                }
                catch (final java.net.SocketException reset)
                {
                    assertTrue(String.valueOf(reset.getMessage()).contains("reset"), reset.toString());
                }
            }
            final List<VigilHarness.Closed> closed = vigil.awaitClosed(1, Duration.ofSeconds(10));
            assertEquals(CloseReason.PROTOCOL_ERROR, closed.get(0).reason());
            assertEquals(0, one.accepted() + two.accepted(), "no upstream chosen");
        }
    }

    @Test
    void shouldFollowRoutesOfTheNewGenerationAfterReload() throws Exception
    {
        try (Closer closer = new Closer())
        {
            final TestUpstream one = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final TestUpstream two = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final String before = echoConfig(one, two, "");
            final VigilHarness vigil = closer.keep(VigilHarness.start(before));
            final byte[] hello = clientHello("api.example.com");
            echo(vigil, hello);
            assertEquals(1, one.accepted());
            vigil.reload(before.replace("\"api.example.com\" = one", "\"api.example.com\" = two"));
            echo(vigil, hello);
            assertEquals(1, one.accepted(), "the new routes send api.example.com to two");
            assertEquals(1, two.accepted());
        }
    }

    private static void echo(final VigilHarness vigil, final byte[] bytes) throws Exception
    {
        try (Socket client = VigilHarness.connect(vigil.address("sni")))
        {
            client.setSoTimeout(20_000);
            client.getOutputStream().write(bytes);
            assertArrayEquals(bytes, readExactly(client.getInputStream(), bytes.length));
        }
    }
}
