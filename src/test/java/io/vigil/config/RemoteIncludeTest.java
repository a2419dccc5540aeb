package io.vigil.config;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every spelling of an include that names a network location is refused before anything is fetched: a loopback
 * HTTP server counts the requests that reach it (none may).
 */
@Timeout(30)
class RemoteIncludeTest
{
    private HttpServer server;
    private final AtomicInteger fetches = new AtomicInteger();
    private String base;

    @BeforeEach
    void startServer() throws IOException
    {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange ->
        {
            fetches.incrementAndGet();
            final byte[] body = "vigil { event-loops = 3 }\n".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/hocon");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/remote.conf";
    }

    @AfterEach
    void stopServer()
    {
        server.stop(0);
    }

    @Test
    void shouldRefuseUrlIncludeWithAnUppercaseScheme()
    {
        assertRefusedUnfetched("include url(\"" + base.replace("http:", "HTTP:") + "\")");
    }

    @Test
    void shouldRefuseRequiredUrlInclude()
    {
        assertRefusedUnfetched("include required(url(\"" + base + "\"))");
    }

    @Test
    void shouldRefuseAPlainIncludeNamingAUrl()
    {
        // Typesafe Config's default includer reads a plain include that parses as a URL as that URL
        assertRefusedUnfetched("include \"" + base + "\"");
    }

    @Test
    void shouldRefuseARequiredPlainIncludeNamingAUrl()
    {
        assertRefusedUnfetched("include required(\"" + base + "\")");
    }

    private void assertRefusedUnfetched(final String include)
    {
        final String text = "vigil { event-loops = 1 }\n" + include + "\n";
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.parse(text, "pushed.conf"),
            () -> "accepted; fetches: " + fetches.get());
        assertEquals(0, fetches.get(), error.getMessage());
        assertTrue(error.getMessage().startsWith("pushed.conf:2: "), error.getMessage());
        assertTrue(error.getMessage().contains("refused: configuration is read from local files only"),
            error.getMessage());
    }
}
