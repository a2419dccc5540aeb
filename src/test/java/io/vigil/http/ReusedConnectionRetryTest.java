package io.vigil.http;

import io.vigil.test.Admin;
import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A reused (pooled) upstream connection that fails before any response byte: an idempotent request Vigil still
 * holds whole is sent once more on a fresh connection when the origin closed or reset it as the request arrived;
 * never a POST (502), and not after a read-timeout (504: the origin holds the whole request and may be acting on
 * it). The access log's tries and the pool's retry counter show it.
 */
@Timeout(30)
class ReusedConnectionRetryTest
{
    private static final String RETRIES = "vigil_upstream_pool_retries_total{upstream=\"app\"}";

    private ScriptedOrigin origin;
    private VigilHarness vigil;

    private RawHttp start(final ScriptedOrigin.Failure failure) throws IOException
    {
        origin = new ScriptedOrigin(failure);
        vigil = VigilHarness.start("vigil { event-loops = 1, shutdown-timeout = 1s\n" +
            "  admin { listen = \"127.0.0.1:0\" }\n" +
            "  listeners = [{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = app }]\n" +
            "  upstreams { app { servers = [\"" + origin.hostPort() + "\"]\n" +
            "    send-timeout = 1s, read-timeout = 1s } }\n}");
        final RawHttp http = new RawHttp(vigil.address("web"));
        assertEquals("1", http.get("/first").header("x-conn"), "the first request opens the connection to pool");
        return http;
    }

    @AfterEach
    void stop() throws Exception
    {
        if (vigil != null)
        {
            vigil.close();
        }
        if (origin != null)
        {
            origin.close();
        }
    }

    private double retries() throws IOException
    {
        return Admin.metric(vigil.adminAddress(), RETRIES);
    }

    @Test
    void shouldSendAGetAgainWhenTheReusedConnectionClosesAsTheRequestArrives() throws Exception
    {
        try (RawHttp http = start(ScriptedOrigin.Failure.CLOSE))
        {
            final RawHttp.Response retried = http.get("/again");
            assertEquals(200, retried.status(), retried.raw());
            assertEquals("2", retried.header("x-conn"), "answered over a fresh connection");
        }
        assertEquals(List.of("GET 1", "GET 1", "GET 2"), origin.requests);
        vigil.awaitAccessLog("request=GET /again status=200 upstream=" + origin.hostPort() + " reused=1 tries=2 ");
        assertEquals(1, retries());
    }

    @Test
    void shouldSendAGetAgainWhenTheReusedConnectionIsResetAsTheRequestArrives() throws Exception
    {
        try (RawHttp http = start(ScriptedOrigin.Failure.RESET))
        {
            final RawHttp.Response retried = http.get("/again");
            assertEquals(200, retried.status(), retried.raw());
            assertEquals("2", retried.header("x-conn"));
        }
        assertEquals(List.of("GET 1", "GET 1", "GET 2"), origin.requests);
        assertEquals(1, retries());
    }

    @Test
    void shouldAnswerAPostWith502WhenTheReusedConnectionClosesAsTheRequestArrives() throws Exception
    {
        try (RawHttp http = start(ScriptedOrigin.Failure.CLOSE))
        {
            http.send("POST /once HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
            assertEquals(502, http.read(false).status(), "a POST is never sent twice");
        }
        assertEquals(List.of("GET 1", "POST 1"), origin.requests);
        vigil.awaitAccessLog("request=POST /once status=502 upstream=" + origin.hostPort() + " reused=1 tries=1 ");
        assertEquals(0, retries());
    }

    @Test
    void shouldNotSendAGetAgainAfterAReadTimeout() throws Exception
    {
        try (RawHttp http = start(ScriptedOrigin.Failure.SILENT))
        {
            assertEquals(504, http.get("/slow").status(), "the origin has the request and may be acting on it");
        }
        assertEquals(List.of("GET 1", "GET 1"), origin.requests);
        assertEquals(0, retries());
    }
}
