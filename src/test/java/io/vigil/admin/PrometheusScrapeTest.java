package io.vigil.admin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.vigil.test.Await;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real Prometheus server (Debian's package), started on loopback with a scrape config pointing at Vigil's admin
 * listener, scrapes it; its query API then reports the connections this test made.
 */
@Timeout(120)
class PrometheusScrapeTest
{
    private static int freePort() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static double query(final HttpClient http, final int port, final String promql)
    {
        try
        {
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            final Config json = ConfigFactory.parseString(response.body(),
                ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
            final List<? extends Config> result = json.getConfigList("data.result");
            return result.isEmpty() ? -1 : Double.parseDouble(result.get(0).getList("value").get(1).unwrapped()
                .toString());
        }
        catch (final Exception ex)
        {
            return -1; // not up yet
        }
    }

    @Test
    void shouldBeScrapedByARealPrometheusServer() throws Exception
    {
        final Path dir = Files.createTempDirectory("vigil-prometheus");
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start("vigil { event-loops = 2, admin { listen = \"127.0.0.1:0\" }," +
                " listeners = [{ name = scraped, listen = \"127.0.0.1:0\", upstream = echo }]," +
                " upstreams { echo { servers = [\"" + echo.hostPort() + "\"] } } }"))
        {
            final List<Socket> clients = new ArrayList<>();
            for (int i = 0; i < 7; i++)
            {
                clients.add(vigil.relayingClient("scraped"));
            }
            final int port = freePort();
            final Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, "global: { scrape_interval: 1s, evaluation_interval: 1s }\n" +
                "scrape_configs:\n  - job_name: vigil\n    static_configs:\n" +
                "      - targets: ['127.0.0.1:" + vigil.adminAddress().getPort() + "']\n");
            final Process prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try
            {
                final HttpClient http = HttpClient.newHttpClient();
                final String series = "vigil_listener_connections_accepted_total{listener=\"scraped\"}";
                Await.until(() -> query(http, port, series) == 7, Duration.ofSeconds(60),
                    "Prometheus has scraped 7 accepted connections");
                assertEquals(7, query(http, port, "vigil_listener_connections_active{listener=\"scraped\"}"));
                assertEquals(1, query(http, port, "up{job=\"vigil\"}"), "the scrape target is healthy");
            }
            finally
            {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS))
                {
                    prometheus.destroyForcibly();
                }
                for (final Socket client : clients)
                {
                    client.close();
                }
            }
        }
    }
}
