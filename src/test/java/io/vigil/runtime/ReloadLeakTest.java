package io.vigil.runtime;

import io.vigil.test.Await;
import io.vigil.test.TestOrigin;
import io.vigil.test.RawHttp;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import io.vigil.upstream.UpstreamGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 100 reloads, with TCP sessions and HTTP keep-alive connections living across some of them, health checks and
 * name re-resolution in every generation: afterwards threads, file descriptors and live heap are back where they
 * started, and the first generation's objects are garbage.
 */
@Timeout(180)
class ReloadLeakTest
{
    private static final int RELOADS = 100;
    /** Live heap after a full GC may wander a little (class data, JIT); a leaked generation per reload would not. */
    private static final long HEAP_SLACK_BYTES = 8L << 20;

    private static String config(final TestUpstream echo, final TestOrigin origin, final int variant)
    {
        return "vigil { event-loops = 2, shutdown-timeout = 1s\n" +
            "  listeners = [\n" +
            "    { name = tcp, listen = \"127.0.0.1:0\", upstream = echo, so-keepalive = \"" + (60 + variant) +
            ":5:3\" }\n" +
            "    { name = web, listen = \"127.0.0.1:0\", mode = http, upstream = app }\n" +
            (variant % 2 == 0 ? "    { name = extra, listen = \"127.0.0.1:0\", upstream = echo }\n" : "") +
            "  ]\n" +
            "  upstreams {\n" +
            "    echo { servers = [\"localhost:" + echo.port() + " weight=" + (1 + variant % 3) + "\"], " +
            "resolve = 1s, health-check { interval = 200ms } }\n" +
            "    app { servers = [\"" + origin.hostPort() + "\"] }\n" +
            "  }\n}";
    }

    @Test
    void shouldReturnToItsStartingFootprintAfter100Reloads() throws Exception
    {
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            TestOrigin origin = TestOrigin.start();
            VigilHarness vigil = VigilHarness.start(config(echo, origin, 0)))
        {
            final VigilServer server = vigil.server();
            // warm up: classes, JIT, the first pools and buffers are not a leak
            for (int i = 1; i <= 4; i++)
            {
                exercise(vigil);
                server.reload(io.vigil.config.ConfigLoader.parse(config(echo, origin, i), "warm.conf"));
            }
            Await.until(() -> server.liveGenerations() == 1, Duration.ofSeconds(10), "warm-up generations released");
            final WeakReference<UpstreamGroup> firstGroup = new WeakReference<>(server.upstreams().get("echo"));
            final Footprint before = Footprint.settled();

            try (Socket longLived = vigil.relayingClient("tcp");
                RawHttp keptAlive = new RawHttp(vigil.address("web")))
            {
                for (int i = 0; i < RELOADS; i++)
                {
                    exercise(vigil);
                    assertEquals(200, keptAlive.get("/hello").status());
                    vigil.reload(config(echo, origin, i));
                }
                longLived.getOutputStream().write(5);
                assertEquals(5, longLived.getInputStream().read(), "a session open across 100 reloads relays");
            }
            assertEquals(4 + RELOADS, server.reloadSuccesses());
            Await.until(() -> server.liveGenerations() == 1, Duration.ofSeconds(10),
                "every replaced generation released once its sessions ended");
            final Footprint after = Footprint.settledTo(before);
            System.out.println("footprint before " + before + ", after " + RELOADS + " reloads " + after);
            assertTrue(after.threads <= before.threads, "threads: " + before + " -> " + after);
            assertTrue(after.fds <= before.fds, "file descriptors: " + before + " -> " + after);
            assertTrue(after.heapBytes <= before.heapBytes + HEAP_SLACK_BYTES, "live heap: " + before + " -> " +
                after);
            Footprint.gc();
            assertNull(firstGroup.get(), "the first measured generation's upstream group is garbage");
        }
    }

    /** One short TCP session and one HTTP request on a fresh connection. */
    private static void exercise(final VigilHarness vigil) throws Exception
    {
        vigil.relayingClient("tcp").close();
        try (RawHttp client = new RawHttp(vigil.address("web")))
        {
            assertEquals(200, client.get("/hello").status());
        }
    }

    /** Threads, open file descriptors and live heap of this JVM. */
    private record Footprint(int threads, int fds, long heapBytes)
    {
        static Footprint now()
        {
            gc();
            final String[] fds = new File("/proc/self/fd").list();
            return new Footprint(ManagementFactory.getThreadMXBean().getThreadCount(),
                Objects.requireNonNull(fds).length,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }

        /** After closes and thread exits that happen on other threads have had time to finish. */
        static Footprint settled() throws InterruptedException
        {
            Thread.sleep(600); // one Retirement check; nothing to wait for by condition when nothing should move
            return now();
        }

        /** Wait (bounded) for threads and descriptors closing elsewhere to reach the baseline. */
        static Footprint settledTo(final Footprint baseline)
        {
            final Footprint[] last = {now()};
            try
            {
                Await.until(() ->
                {
                    last[0] = now();
                    return last[0].threads <= baseline.threads && last[0].fds <= baseline.fds &&
                        last[0].heapBytes <= baseline.heapBytes + HEAP_SLACK_BYTES;
                }, Duration.ofSeconds(15), "footprint back to " + baseline);
            }
            catch (final AssertionError ex)
            {
                // the assertions in the test say which part did not come back
            }
            return last[0];
        }

        static void gc()
        {
            for (int i = 0; i < 3; i++)
            {
                System.gc();
            }
        }
    }
}
