package io.vigil.proxyproto;

import io.vigil.test.Await;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PROXY protocol against the peers operators run, on loopback, each client from its own 127.x address so the
 * address seen at the far end can only have come through the header: HAProxy ({@code send-proxy},
 * {@code send-proxy-v2}) in front of Vigil, Vigil ({@code send-proxy-protocol}) in front of nginx {@code stream}
 * with {@code proxy_protocol}, and {@code curl --haproxy-protocol}.
 */
@Timeout(60)
class ProxyProtocolInteropTest
{
    private static final byte[] PAYLOAD = "ping through the chain\n".getBytes(StandardCharsets.US_ASCII);

    private static Socket connectFrom(final String source, final int port) throws IOException
    {
        final Socket socket = new Socket();
        socket.bind(new InetSocketAddress(source, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    @ParameterizedTest
    @ValueSource(strings = {"send-proxy", "send-proxy-v2"})
    void shouldTakeTheClientAddressFromHaproxy(final String sendProxy) throws Exception
    {
        final Path dir = Files.createTempDirectory("vigil-haproxy");
        final String source = sendProxy.endsWith("v2") ? "127.0.0.22" : "127.0.0.21";
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start("vigil { listeners = [{ name = behind, listen = \"127.0.0.1:0\"," +
                " upstream = echo, proxy-protocol = on, proxy-protocol-trusted = [\"127.0.0.1/32\"] }]," +
                " upstreams { echo { servers = [\"" + echo.hostPort() + "\"] } } }"))
        {
            final int port = PeerProcess.freePort();
            final Path config = dir.resolve("haproxy.cfg");
            Files.writeString(config, String.join("\n",
                "global",
                "  maxconn 100",
                "defaults",
                "  mode tcp",
                "  timeout connect 5s",
                "  timeout client 30s",
                "  timeout server 30s",
                "frontend edge",
                "  bind 127.0.0.1:" + port,
                "  default_backend vigil",
                "backend vigil",
                "  server vigil 127.0.0.1:" + vigil.address("behind").getPort() + " " + sendProxy,
                ""));
            try (PeerProcess haproxy = PeerProcess.start(List.of("/usr/sbin/haproxy", "-db", "-f", config.toString()),
                dir, port))
            {
                final int clientPort;
                try (Socket client = connectFrom(source, port))
                {
                    clientPort = client.getLocalPort();
                    client.getOutputStream().write(PAYLOAD);
                    assertArrayEquals(PAYLOAD, client.getInputStream().readNBytes(PAYLOAD.length), haproxy.output());
                }
                // HAProxy connects from 127.0.0.1; only its header can have said 127.0.0.2x and the client's port
                vigil.awaitAccessLog("client=" + source + ":" + clientPort + " ");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "v2"})
    void shouldTellNginxTheClientAddress(final String version) throws Exception
    {
        final Path dir = Files.createTempDirectory("vigil-nginx");
        final int port = PeerProcess.freePort();
        Files.writeString(dir.resolve("nginx.conf"), String.join("\n",
            "load_module /usr/lib/nginx/modules/ngx_stream_module.so;",
            "daemon off;",
            "master_process off;",
            "pid " + dir.resolve("nginx.pid") + ";",
            "error_log " + dir.resolve("error.log") + " info;",
            "events { worker_connections 64; }",
            "stream {",
            "  log_format pp '$proxy_protocol_addr:$proxy_protocol_port via $remote_addr';",
            "  access_log " + dir.resolve("access.log") + " pp;",
            "  server {",
            "    listen 127.0.0.1:" + port + " proxy_protocol;",
            "    return \"$proxy_protocol_addr $proxy_protocol_port\\n\";",
            "  }",
            "}",
            ""));
        final String source = version.equals("v1") ? "127.0.0.31" : "127.0.0.32";
        try (PeerProcess nginx = PeerProcess.start(List.of("/usr/sbin/nginx", "-p", dir.toString(), "-e",
            dir.resolve("error.log").toString(), "-c", dir.resolve("nginx.conf").toString()), dir, port);
            VigilHarness vigil = VigilHarness.start("vigil { listeners = [" +
                "{ name = front, listen = \"127.0.0.1:0\", upstream = nginx }," +
                "{ name = chained, listen = \"127.0.0.1:0\", upstream = nginx, proxy-protocol = on }]," +
                " upstreams { nginx { servers = [\"127.0.0.1:" + port + "\"], send-proxy-protocol = " + version +
                " } } }"))
        {
            // skip the probe connection PeerProcess made (nginx logs it as a broken header)
            final int clientPort;
            try (Socket client = connectFrom(source, vigil.address("front").getPort()))
            {
                clientPort = client.getLocalPort();
                final String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertEquals(source + " " + clientPort + "\n", answer, nginx.output());
            }
            // a client address Vigil itself got from a PROXY header travels on
            try (Socket client = connectFrom("127.0.0.33", vigil.address("chained").getPort()))
            {
                client.getOutputStream().write(("PROXY TCP4 203.0.113.50 10.0.0.1 40000 443\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                final String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertEquals("203.0.113.50 40000\n", answer);
            }
            final Path log = dir.resolve("access.log");
            Await.until(() -> read(log).contains("203.0.113.50:40000 via 127.0.0.1"), Duration.ofSeconds(10),
                () -> "nginx access log: " + read(log));
            assertTrue(read(log).contains(source + ":" + clientPort + " via 127.0.0.1"), read(log));
        }
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.readString(file) : "";
        }
        catch (final IOException ex)
        {
            return ex.toString();
        }
    }

    @Test
    void shouldServeCurlWithHaproxyProtocol() throws Exception
    {
        try (TestOrigin origin = TestOrigin.start();
            VigilHarness vigil = VigilHarness.start("vigil { listeners = [{ name = web, listen = \"127.0.0.1:0\"," +
                " upstream = origin, mode = http, add-x-forwarded = true, proxy-protocol = on }]," +
                " upstreams { origin { servers = [\"" + origin.hostPort() + "\"] } } }"))
        {
            final String url = "http://127.0.0.1:" + vigil.address("web").getPort() + "/hello";
            final Process curl = new ProcessBuilder("curl", "-sS", "--max-time", "10", "--haproxy-protocol",
                "--interface", "127.0.0.41", "-o", "/dev/null", "-w", "%{http_code}", url).redirectErrorStream(true)
                .start();
            final String status = new String(curl.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(curl.waitFor(20, TimeUnit.SECONDS));
            assertEquals("200", status);
            assertTrue(origin.received().contains("X-Forwarded-For: 127.0.0.41\r\n"), origin.received());
            vigil.awaitAccessLog("client=127.0.0.41:");
            // without the header curl's request is not a header: refused
            final Process plain = new ProcessBuilder("curl", "-sS", "--max-time", "10", "-o", "/dev/null", url)
                .redirectErrorStream(true).start();
            plain.getInputStream().readAllBytes();
            assertTrue(plain.waitFor(20, TimeUnit.SECONDS));
            assertNotEquals(0, plain.exitValue(), "curl without --haproxy-protocol must fail");
            assertEquals(1, origin.requests());
        }
    }
}
