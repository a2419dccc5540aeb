package io.vigil.admin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin listener against a running Vigil with live traffic: health and readiness, Prometheus metrics that
 * promtool accepts, live connections with the kernel's view of each socket, the effective configuration, and
 * clients that try to stall it.
 */
@Timeout(60)
class AdminServerTest
{
    private TestUpstream echo;
    private TestOrigin origin;
    private VigilHarness vigil;
    private InetSocketAddress admin;
    private final List<Socket> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception
    {
        echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        origin = TestOrigin.start();
        vigil = VigilHarness.start("vigil { event-loops = 2, admin { listen = \"127.0.0.1:0\" }, listeners = [" +
            "{ name = pub, listen = \"127.0.0.1:0\", upstream = echo, so-keepalive = \"60:10:3\" }," +
            "{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = web }," +
            "{ name = halfoff, listen = \"127.0.0.1:0\", upstream = echo, half-close = off }]," +
            " upstreams { echo { servers = [\"" + echo.hostPort() + "\"], so-keepalive = \"30:5:2\" }," +
            " web { servers = [\"" + origin.hostPort() + "\"] } } }");
        admin = vigil.adminAddress();
    }

    @AfterEach
    void stop() throws Exception
    {
        for (final Socket client : clients)
        {
            client.close();
        }
        vigil.close();
        origin.close();
        echo.close();
    }

    private void traffic() throws IOException
    {
        for (int i = 0; i < 3; i++)
        {
            clients.add(vigil.relayingClient("pub"));
        }
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            assertEquals(200, http.get("/hello").status());
        }
        // the client can read the response before the loop has counted the exchange it finished
        Await.until(() -> metric("vigil_http_requests_total{code=\"2xx\",listener=\"web\"}") == 1,
            Duration.ofSeconds(5), "the request counted");
    }

    private double metric(final String series)
    {
        try
        {
            return Admin.metric(admin, series);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    @Test
    void shouldMeasureAConnectThatFinishesAtOnce() throws Exception
    {
        // on loopback connect(2) completes the handshake in the same loop pass: a clock read once per pass says 0
        clients.add(vigil.relayingClient("pub"));
        final String text = Admin.get(admin, "/metrics").body();
        assertEquals(1, Admin.sample(text, "vigil_upstream_connect_duration_seconds_count{upstream=\"echo\"}"), text);
        final double seconds = Admin.sample(text, "vigil_upstream_connect_duration_seconds_sum{upstream=\"echo\"}");
        assertTrue(seconds > 0, "a connect to a listening loopback port takes measurable time, not " + seconds);
    }

    @Test
    void shouldAnswerHealthAndReadiness() throws Exception
    {
        assertEquals(200, Admin.get(admin, "/healthz").status());
        assertEquals(200, Admin.get(admin, "/readyz").status());
        vigil.server().beginDrain();
        assertEquals(503, Admin.get(admin, "/readyz").status(), "draining: not ready");
        assertEquals(200, Admin.get(admin, "/healthz").status(), "draining is not dying");
    }

    @Test
    void shouldExposeMetricsThatPromtoolAccepts() throws Exception
    {
        traffic();
        final RawHttp.Response scrape = Admin.get(admin, "/metrics");
        assertEquals(200, scrape.status());
        final String type = scrape.header("content-type");
        assertTrue(type.startsWith("text/plain; version=0.0.4"), type);
        final String text = scrape.body();
        assertEquals(3, Admin.sample(text, "vigil_listener_connections_accepted_total{listener=\"pub\"}"), text);
        assertEquals(3, Admin.sample(text, "vigil_listener_connections_active{listener=\"pub\"}"));
        assertEquals(3, Admin.sample(text, "vigil_received_bytes_total{listener=\"pub\",side=\"client\"}"));
        assertEquals(1, Admin.sample(text, "vigil_http_requests_total{code=\"2xx\",listener=\"web\"}"));
        assertEquals(1, Admin.sample(text, "vigil_upstream_server_up{server=\"" + echo.hostPort() +
            "\",upstream=\"echo\"}"));
        assertEquals(3, Admin.sample(text, "vigil_upstream_sessions_active{server=\"" + echo.hostPort() +
            "\",upstream=\"echo\"}"));
        assertEquals(3, Admin.sample(text, "vigil_upstream_connect_attempts_total{server=\"" + echo.hostPort() +
            "\",upstream=\"echo\"}"));
        assertEquals(3, Admin.sample(text, "vigil_upstream_connect_duration_seconds_count{upstream=\"echo\"}"));
        assertEquals(0, Admin.sample(text, "vigil_buffer_pool_refused_releases_total"),
            "exported, and 0: each one is a bug");
        assertTrue(text.contains("vigil_build_info{version=\"test\"} 1"), text);
        assertTrue(text.contains("jvm_memory_used_bytes"), "the JVM's own metrics");

        final Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        final String verdict = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, promtool.exitValue(), "promtool check metrics:\n" + verdict);

        final RawHttp.Response openMetrics = Admin.request(admin, "GET /metrics HTTP/1.1\r\nHost: a\r\n" +
            "Accept: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n\r\n");
        assertTrue(openMetrics.header("content-type").startsWith("application/openmetrics-text"));
        assertTrue(openMetrics.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
    }

    @Test
    void shouldListLiveConnectionsWithTheKernelsView() throws Exception
    {
        traffic();
        final Config page = json(Admin.get(admin, "/connections?listener=pub").body());
        assertEquals(3, page.getInt("count"));
        final Config first = page.getConfigList("connections").get(0);
        assertEquals("pub", first.getString("listener"));
        assertEquals("relaying", first.getString("state"));
        assertEquals(echo.hostPort(), first.getString("upstream"));
        assertEquals(1, first.getLong("bytes_from_client"));
        assertEquals("60:10:3", first.getString("client_socket.so_keepalive"));
        assertEquals("ESTABLISHED", first.getString("client_socket.kernel.state"));
        assertEquals("keepalive", first.getString("client_socket.kernel.timer"), "idle with keepalive on");
        final long left = first.getLong("client_socket.kernel.timer_ms");
        assertTrue(left > 0 && left <= 60_000, "keepalive fires within idle = 60 s: " + left);
        assertEquals("30:5:2", first.getString("upstream_socket.so_keepalive"));
        assertEquals("keepalive", first.getString("upstream_socket.kernel.timer"));
        assertEquals("on", first.getString("half_close"), "the default");
        assertEquals(0, json(Admin.get(admin, "/connections?listener=pub&limit=0").body()).getInt("count"));
        assertEquals(0, json(Admin.get(admin, "/connections?listener=nope").body()).getInt("count"));
    }

    @Test
    void shouldShowEachTcpSessionsHalfCloseMode() throws Exception
    {
        clients.add(vigil.relayingClient("halfoff"));
        final Config off = json(Admin.get(admin, "/connections?listener=halfoff").body());
        assertEquals(1, off.getInt("count"));
        assertEquals("off", off.getConfigList("connections").get(0).getString("half_close"));
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            assertEquals(200, http.get("/hello").status());
            final Config web = json(Admin.get(admin, "/connections?listener=web").body());
            assertEquals(1, web.getInt("count"), "the keep-alive connection is listed");
            assertTrue(web.getConfigList("connections").get(0).getIsNull("half_close"), "http mode has none");
        }
    }

    @Test
    void shouldShowTheEffectiveConfigWithDeadPeerBudgets() throws Exception
    {
        final Config config = json(Admin.get(admin, "/config").body());
        final Config pub = config.getConfigList("listeners").get(0);
        assertEquals("pub", pub.getString("name"));
        assertEquals(60 + 10 * 3, pub.getInt("so_keepalive.dead_peer_budget_s"));
        assertEquals(30 + 5 * 2, config.getConfigList("upstreams").stream()
            .filter(u -> u.getString("name").equals("echo")).findFirst().orElseThrow()
            .getInt("so_keepalive.dead_peer_budget_s"));
    }

    @Test
    void shouldNotBeStalledByClientsThatSendNothingOrTooMuch() throws Exception
    {
        final List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < 20; i++)
        {
            final Socket socket = new Socket(admin.getAddress(), admin.getPort());
            socket.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII)); // and nothing more
            silent.add(socket);
        }
        final long start = System.nanoTime();
        assertEquals(200, Admin.get(admin, "/healthz").status(), "others are still served");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3), "at once, not after the stalled ones");
        final RawHttp.Response huge = Admin.request(admin, "GET /" + "x".repeat(20_000) + " HTTP/1.1\r\n\r\n");
        assertTrue(huge.status() == 414 || huge.status() == 431, "status " + huge.status());
        assertEquals(404, Admin.get(admin, "/nope").status());
        assertEquals(405, Admin.request(admin, "DELETE /metrics HTTP/1.1\r\nHost: a\r\n\r\n").status());
        for (final Socket socket : silent)
        {
            socket.setSoTimeout(15_000);
            final InputStream in = socket.getInputStream();
            assertEquals(-1, in.read(), "a client that never finishes its head is closed after 5 s");
            socket.close();
        }
    }

    private static Config json(final String text)
    {
        return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
    }
}
