package io.vigil.net;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.NewerJdk;
import io.vigil.test.RawHttp;
import io.vigil.test.Ss;
import io.vigil.test.TempFiles;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole proxy on Vigil's own socket layer: Vigil runs on the newer JDK with {@code -Dvigil.sockets=kernel}
 * (its Java 22 classes first, as the jar loads them) and real clients and servers on loopback check relay
 * integrity with half-close on and off and over IPv6, failover past a refused server, a refused-only upstream,
 * keepalive as the kernel reports it for an accepted socket, a reload that keeps the listener, and HTTP mode over a
 * pooled upstream connection.
 */
@Timeout(120)
class KernelSocketsProxyTest
{
    private static final int SESSIONS = 24;
    private static final int BYTES = 512 * 1024;

    @RegisterExtension
    final Closer resources = new Closer();

    private VigilProcess start(final String config) throws Exception
    {
        return start(TempFiles.write("vigil-kernel", ".conf", config).toPath());
    }

    private VigilProcess start(final Path config) throws Exception
    {
        NewerJdk.assumeInstalled();
        final List<String> command = new ArrayList<>(List.of("env", "--default-signal=HUP,INT,TERM"));
        final List<String> java = new ArrayList<>(NewerJdk.javaCommand("io.vigil.cli.Vigil",
            "io/vigil/net/kernel/KernelSelector.class"));
        java.add(1, "-Dvigil.sockets=kernel");
        command.addAll(java);
        command.addAll(List.of("run", "-c", config.toString()));
        final VigilProcess vigil = VigilProcess.startCommand(command);
        resources.keep(vigil);
        vigil.awaitOutput("sockets: kernel", Duration.ofSeconds(30));
        return vigil;
    }

    private static int refusedPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    @Test
    void shouldRelayRandomBytesExactlyWithHalfCloseOnAndOff() throws Exception
    {
        final TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        resources.keep(echo);
        final VigilProcess vigil = start("vigil { event-loops = 2, listeners = [" +
            "{ name = on, listen = \"127.0.0.1:0\", upstream = echo, access-log = false }, " +
            "{ name = off, listen = \"127.0.0.1:0\", upstream = echo, access-log = false, half-close = off }, " +
            "{ name = v6, listen = \"[::1]:0\", upstream = echo, access-log = false }], " +
            "upstreams { echo { servers = [\"" + echo.hostPort() + "\"] } } }");
        relay(InetAddress.getLoopbackAddress(), vigil.port("on"), true);
        relay(InetAddress.getLoopbackAddress(), vigil.port("off"), false);
        // sockaddr_in6 both ways (bind, getsockname, accept4's peer), to an IPv4 upstream
        assertTrue(vigil.output().contains("listening v6 [0:0:0:0:0:0:0:1]:" + vigil.port("v6")), vigil.output());
        relay(InetAddress.getByName("::1"), vigil.port("v6"), true);
    }

    /** SESSIONS connections at once, each writing its own random bytes while reading the echo back. */
    private static void relay(final InetAddress address, final int port, final boolean halfClose) throws Exception
    {
        final ExecutorService pool = Executors.newFixedThreadPool(2 * SESSIONS);
        try
        {
            final List<Future<byte[]>> echoed = new ArrayList<>();
            final List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++)
            {
                final byte[] data = new byte[BYTES];
                new Random(port * 1000L + i).nextBytes(data);
                sent.add(data);
                final Socket socket = new Socket(address, port);
                socket.setSoTimeout(30_000);
                pool.submit(() ->
                {
                    socket.getOutputStream().write(data);
                    if (halfClose)
                    {
                        socket.shutdownOutput(); // the echo's EOF comes back once every byte did
                    }
                    return null;
                });
                echoed.add(pool.submit(() ->
                {
                    try (socket)
                    {
                        final InputStream in = socket.getInputStream();
                        final byte[] got = in.readNBytes(BYTES);
                        if (halfClose)
                        {
                            assertEquals(-1, in.read(), "EOF after every byte");
                        }
                        return got;
                    }
                }));
            }
            for (int i = 0; i < SESSIONS; i++)
            {
                assertArrayEquals(sent.get(i), echoed.get(i).get(60, TimeUnit.SECONDS),
                    "session " + i + " half-close " + halfClose);
            }
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldFailOverPastARefusedServerAndCloseWhenAllRefuse() throws Exception
    {
        final TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        resources.keep(echo);
        final int refused = refusedPort();
        final VigilProcess vigil = start("vigil { event-loops = 1, admin { listen = \"127.0.0.1:0\" }, " +
            "listeners = [" +
            "{ name = flaky, listen = \"127.0.0.1:0\", upstream = flaky }, " +
            "{ name = gone, listen = \"127.0.0.1:0\", upstream = gone }], upstreams { " +
            "flaky { servers = [\"127.0.0.1:" + refused + "\", \"" + echo.hostPort() + "\"] }, " +
            "gone { servers = [\"127.0.0.1:" + refused + "\"] } } }");
        for (int i = 0; i < 4; i++)
        {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), vigil.port("flaky")))
            {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("ping".getBytes());
                assertArrayEquals("ping".getBytes(), socket.getInputStream().readNBytes(4), "attempt " + i);
            }
        }
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), vigil.port("gone")))
        {
            socket.setSoTimeout(10_000);
            assertEquals(-1, socket.getInputStream().read(), "closed when no server takes the connection");
        }
        // counted as refused: Errno read the JDK's text "Connection refused" from the kernel layer's exception
        final String metrics = Admin.get(vigil.admin(), "/metrics").body();
        assertTrue(java.util.regex.Pattern.compile(
            "(?m)^vigil_upstream_connect_failures_total\\{[^}]*reason=\"refused\"[^}]*\\} [1-9]").matcher(metrics)
            .find(), metrics);
    }

    @Test
    void shouldHealthCheckServersThroughKernelSockets() throws Exception
    {
        final TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        resources.keep(echo);
        final String refused = "127.0.0.1:" + refusedPort();
        final VigilProcess vigil = start("vigil { event-loops = 1, admin { listen = \"127.0.0.1:0\" }, " +
            "listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }], upstreams { up { servers = [\"" +
            refused + " max-fails=0\", \"" + echo.hostPort() + " max-fails=0\"], " +
            "health-check { type = tcp, interval = 100ms, timeout = 300ms, rise = 1, fall = 1 } } } }");
        final String up = "vigil_upstream_server_up{server=\"";
        Await.until(() -> metric(vigil, up + refused + "\",upstream=\"up\"}") == 0 &&
            metric(vigil, up + echo.hostPort() + "\",upstream=\"up\"}") == 1 && metric(vigil,
                "vigil_health_checks_total{result=\"pass\",server=\"" + echo.hostPort() + "\",upstream=\"up\"}") >= 2,
            Duration.ofSeconds(15),
            () -> "the refused server is taken down, the echo passes its checks:\n" + scrape(vigil));
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), vigil.port("pub")))
        {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(5);
            assertEquals(5, socket.getInputStream().read(), "sessions go to the healthy server");
        }
    }

    private static double metric(final VigilProcess vigil, final String series)
    {
        try
        {
            return Admin.metric(vigil.admin(), series);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    private static String scrape(final VigilProcess vigil)
    {
        try
        {
            return Admin.get(vigil.admin(), "/metrics").body();
        }
        catch (final IOException ex)
        {
            return ex.toString();
        }
    }

    @Test
    void shouldSetKeepAliveThatTheKernelReports() throws Exception
    {
        final TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        resources.keep(echo);
        final VigilProcess vigil = start("vigil { event-loops = 1, listeners = [" +
            "{ name = ka, listen = \"127.0.0.1:0\", upstream = echo, so-keepalive = \"61:7:4\" }], " +
            "upstreams { echo { servers = [\"" + echo.hostPort() + "\"] } } }");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), vigil.port("ka")))
        {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(1);
            assertEquals(1, socket.getInputStream().read());
            final List<String> lines = Ss.established("( sport = :" + vigil.port("ka") + " and dport = :" +
                socket.getLocalPort() + " )");
            assertEquals(1, lines.size(), lines.toString());
            final double left = Ss.keepaliveSecondsLeft(lines.get(0));
            assertTrue(left > 45 && left <= 61, "keepalive timer from idle 61 s: " + lines);
        }
    }

    @Test
    void shouldKeepTheListenerAcrossAReload() throws Exception
    {
        final TestUpstream a = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        final TestUpstream b = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        resources.keep(a);
        resources.keep(b);
        final Path file = TempFiles.write("vigil-kernel-reload", ".conf", reloadConfig(a.hostPort())).toPath();
        final VigilProcess vigil = start(file);
        final int port = vigil.port("pub");
        try (Socket old = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            old.setSoTimeout(10_000);
            old.getOutputStream().write(1);
            assertEquals(1, old.getInputStream().read());
            Files.writeString(file, reloadConfig(b.hostPort()));
            final RawHttp.Response reload = Admin.post(vigil.admin(), "/reload");
            assertEquals(200, reload.status(), reload.raw() + vigil.outputTail(4000));
            vigil.awaitOutput("generation 2 serves new connections (listeners added [], kept [pub]",
                Duration.ofSeconds(10));
            try (Socket fresh = new Socket(InetAddress.getLoopbackAddress(), port))
            {
                fresh.setSoTimeout(10_000);
                fresh.getOutputStream().write(2);
                assertEquals(2, fresh.getInputStream().read(), "the kept listener takes new connections");
            }
            assertEquals(1, b.accepted(), "new sessions go to the new upstream");
            old.getOutputStream().write(3);
            assertEquals(3, old.getInputStream().read(), "the session from before the reload still relays");
        }
    }

    private static String reloadConfig(final String upstream)
    {
        return "vigil { event-loops = 2, admin { listen = \"127.0.0.1:0\" }, listeners = [" +
            "{ name = pub, listen = \"127.0.0.1:0\", upstream = up }], " +
            "upstreams { up { servers = [\"" + upstream + "\"] } } }";
    }

    @Test
    void shouldServeHttpThroughAPooledUpstreamConnection() throws Exception
    {
        final TestOrigin origin = TestOrigin.start();
        resources.keep(origin);
        final VigilProcess vigil = start("vigil { event-loops = 1, listeners = [" +
            "{ name = web, listen = \"127.0.0.1:0\", upstream = origin, mode = http }], " +
            "upstreams { origin { servers = [\"" + origin.hostPort() + "\"] } } }");
        for (int client = 0; client < 3; client++)
        {
            try (RawHttp http = new RawHttp(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(),
                vigil.port("web"))))
            {
                for (int i = 0; i < 5; i++)
                {
                    final RawHttp.Response response = http.get("/k" + client + "-" + i);
                    assertEquals(200, response.status(), response.raw());
                }
            }
        }
        assertEquals(15, origin.requests());
        assertEquals(1, origin.connections(), "one pooled upstream connection served all 15 requests");
        assertTrue(Arrays.asList(vigil.output().split("\n")).stream().noneMatch(l -> l.contains("Exception")),
            vigil.outputTail(4000));
    }
}
