package io.vigil.runtime;

import io.vigil.config.ConfigLoader;
import io.vigil.session.SessionObserver;
import io.vigil.test.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rapid reload triggers are coalesced: a burst of requests costs one reload (plus at most one queued behind a
 * reload already running), and every requester learns the outcome of a reload that read the file after it asked.
 */
@Timeout(60)
class ConfigReloaderTest
{
    private static final int BURST = 200;

    @Test
    void shouldCoalesceABurstOfTriggers() throws Exception
    {
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final Path file = Files.createTempFile("vigil-coalesce", ".conf");
            final String config = "vigil { event-loops = 1, listeners = [{ name = pub, listen = \"127.0.0.1:0\", " +
                "upstream = up }], upstreams { up { servers = [\"" + echo.hostPort() + "\"] } } }";
            Files.writeString(file, config);
            try (VigilServer server = VigilServer.start(ConfigLoader.load(file.toFile()), SessionObserver.NONE,
                OutputStream.nullOutputStream());
                ConfigReloader reloader = new ConfigReloader(file.toFile(), server))
            {
                // the loop is held busy, so the first reload waits for it (up to its 1 s barrier) while the rest of
                // the burst arrives: a fast machine cannot finish reloads between triggers and hide the coalescing
                final java.lang.reflect.Field loopsField = VigilServer.class.getDeclaredField("loops");
                loopsField.setAccessible(true);
                final io.vigil.loop.EventLoop loop = ((io.vigil.loop.EventLoop[])loopsField.get(server))[0];
                final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
                final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
                loop.executeControl(() ->
                {
                    held.countDown();
                    try
                    {
                        release.await(10, TimeUnit.SECONDS);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                });
                assertTrue(held.await(5, TimeUnit.SECONDS), "the loop is held");
                final List<CompletableFuture<ConfigReloader.Outcome>> outcomes = new ArrayList<>();
                for (int i = 0; i < BURST; i++)
                {
                    outcomes.add(reloader.request("burst " + i));
                }
                release.countDown();
                for (final CompletableFuture<ConfigReloader.Outcome> outcome : outcomes)
                {
                    assertTrue(outcome.get(20, TimeUnit.SECONDS).applied(), outcome.get().message());
                }
                final long reloads = server.reloadSuccesses();
                System.out.println(BURST + " triggers -> " + reloads + " reload(s)");
                // the first trigger's reload, and one more for every trigger that came while it ran
                assertTrue(reloads >= 1 && reloads <= 2, BURST + " triggers made " + reloads + " reloads");
                assertEquals(1 + reloads, server.generation());
            }
        }
    }
}
