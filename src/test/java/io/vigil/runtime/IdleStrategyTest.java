package io.vigil.runtime;

import io.vigil.test.Await;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code idle-strategy} end to end through real sockets: with spin the proxy relays as with block, and an idle
 * loop burns CPU only within its spin bound: it still blocks after it. CPU bounds are generous (a noisy 2-core
 * machine, where a spinning thread that yields may get little of a core); the loop-level counts that load cannot
 * change are in SpinThenBlockIdleStrategyTest.
 */
@Timeout(30)
class IdleStrategyTest
{
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** What to measure on the loop thread after the echoes, with the client still connected. */
    private interface Measure
    {
        long on(Thread loopThread) throws Exception;
    }

    private static String config(final TestUpstream upstream, final String idle)
    {
        return "vigil { event-loops = 1, " + idle + " listeners = [{ name = pub, listen = \"127.0.0.1:0\", " +
            "upstream = up, access-log = false }], upstreams { up { servers = [\"" + upstream.hostPort() + "\"] } } }";
    }

    /** Echo 100 round trips through Vigil, then measure on its loop thread. */
    private static long afterEchoes(final String idle, final Measure measure) throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config(upstream, idle)))
        {
            final AtomicReference<Thread> loopThread = new AtomicReference<>();
            vigil.onEstablished((client, up) -> loopThread.set(Thread.currentThread()));
            try (Socket client = vigil.relayingClient("pub"))
            {
                final OutputStream out = client.getOutputStream();
                final InputStream in = client.getInputStream();
                for (int i = 0; i < 100; i++)
                {
                    out.write(i);
                    assertEquals(i, in.read(), "echo round trip " + i);
                }
                assertNotNull(loopThread.get(), "the session started on a loop thread");
                return measure.on(loopThread.get());
            }
        }
    }

    private static long cpuMs(final Thread thread)
    {
        return TimeUnit.NANOSECONDS.toMillis(THREADS.getThreadCpuTime(thread.getId()));
    }

    /** The loop's CPU time over one idle second, in ms. */
    private static long idleSecondCpuMs(final Thread thread) throws InterruptedException
    {
        final long before = cpuMs(thread);
        Thread.sleep(1000); // measuring an idle second, not waiting for a condition
        return cpuMs(thread) - before;
    }

    @Test
    void shouldRelayAndStayCheapWhileIdleWithBlock() throws Exception
    {
        final long cpuMs = afterEchoes("", IdleStrategyTest::idleSecondCpuMs);
        assertTrue(cpuMs < 150, "loop CPU over an idle second with block: " + cpuMs + " ms");
    }

    @Test
    void shouldRelayWithSpinAndStillBlockAfterTheSpinBound() throws Exception
    {
        // the loop wakes about once a second (the sweep) and spins 2 ms after it: a few ms per idle second
        final long cpuMs = afterEchoes("idle-strategy = spin, idle-spin = 2ms,", IdleStrategyTest::idleSecondCpuMs);
        assertTrue(cpuMs < 250, "loop CPU over an idle second with spin 2ms: " + cpuMs + " ms");
    }

    @Test
    void shouldBurnCpuWhileIdleWithinALongSpin() throws Exception
    {
        // spin 1s, and the sweep wakes the loop about once a second: idle, it polls most of the time. Wait for 100 ms
        // of its CPU (a blocked loop uses a few ms per second), however little of the core a loaded machine gives it
        // (under nice 10 beside busy builds, a few % of a core)
        afterEchoes("idle-strategy = spin, idle-spin = 1s,", thread ->
        {
            final long before = cpuMs(thread);
            Await.until(() -> cpuMs(thread) - before >= 100, Duration.ofSeconds(15),
                () -> "100 ms of loop CPU while idle with spin 1s; got " + (cpuMs(thread) - before) + " ms");
            return 0;
        });
    }
}
