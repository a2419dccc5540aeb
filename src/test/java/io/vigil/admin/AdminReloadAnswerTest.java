package io.vigil.admin;

import io.vigil.config.AdminConfig;
import io.vigil.test.Admin;
import io.vigil.test.RawHttp;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * POST /reload is answered when the reload is done, but the admin loop does not wait for it: while a reload runs,
 * kubelet's liveness and readiness probes and Prometheus' scrapes are still answered.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AdminReloadAnswerTest
{
    @Test
    void shouldAnswerProbesWhileAReloadIsRunning() throws Exception
    {
        final CompletableFuture<AdminResponseView> reload = new CompletableFuture<>();
        final ExecutorService poster = Executors.newSingleThreadExecutor();
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start("vigil { listeners = [{ name = pub, listen = \"127.0.0.1:0\", " +
                "upstream = echo }], upstreams { echo { servers = [\"" + echo.hostPort() + "\"] } } }");
            AdminServer admin = AdminServer.start(new AdminConfig(new InetSocketAddress("127.0.0.1", 0), false),
                vigil.server(), "test", () -> reload))
        {
            final InetSocketAddress address = admin.address();
            final Future<RawHttp.Response> posted = poster.submit(() -> Admin.post(address, "/reload"));
            // the POST waits for its answer; meanwhile the same loop answers probes at once
            for (int i = 0; i < 5; i++) // a blocked admin loop fails this by the test timeout
            {
                assertEquals(200, Admin.get(address, "/healthz").status(), "liveness while a reload runs");
                assertEquals(200, Admin.get(address, "/readyz").status(), "readiness while a reload runs");
            }
            assertFalse(posted.isDone(), "POST /reload answered before the reload finished");
            reload.complete(new AdminResponseView(200, "reloaded: generation 2"));
            final RawHttp.Response answer = posted.get(10, TimeUnit.SECONDS);
            assertEquals(200, answer.status());
            assertTrue(answer.body().contains("generation 2"), answer.body());
        }
        finally
        {
            poster.shutdownNow();
        }
    }
}
