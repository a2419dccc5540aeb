package io.vigil.loop;

import io.vigil.test.Await;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * idle-strategy = spin: after work the loop keeps running duty cycles (polling) for the spin bound, then blocks in
 * select like the default strategy, and stays blocked. The signals are counts and states load cannot fake: duty
 * cycles run after one command, and the loop's "waiting in select" flag; CPU time bounds are generous.
 */
@Timeout(30)
class SpinThenBlockIdleStrategyTest
{
    private static final long SPIN_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private EventLoop loop;
    private AgentRunner runner;

    private Thread start(final Function<EventLoop, IdleStrategy> strategy) throws InterruptedException
    {
        loop = new EventLoop(0, 64);
        runner = new AgentRunner(strategy.apply(loop), Throwable::printStackTrace, null, loop);
        AgentRunner.startOnThread(runner);
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final CountDownLatch ran = new CountDownLatch(1);
        loop.execute(() ->
        {
            thread.set(Thread.currentThread());
            ran.countDown();
        });
        assertTrue(ran.await(5, TimeUnit.SECONDS), "the loop ran a command");
        Await.until(loop::waiting, Duration.ofSeconds(5), "the loop blocks in select once idle");
        return thread.get();
    }

    @AfterEach
    void stop()
    {
        if (loop != null)
        {
            loop.terminate();
            runner.close();
        }
    }

    /** Run one command; return the duty cycles from just before it until the loop blocks again, and how long. */
    private long[] cyclesUntilBlockedAfterACommand() throws InterruptedException
    {
        final CountDownLatch ran = new CountDownLatch(1);
        final long[] ranAtNs = new long[1];
        final long before = loop.dutyCycles();
        assertTrue(loop.execute(() ->
        {
            ranAtNs[0] = System.nanoTime();
            ran.countDown();
        }));
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        Await.until(loop::waiting, Duration.ofSeconds(10), "the loop blocks in select after the spin");
        final long blockedAtNs = System.nanoTime();
        return new long[] {loop.dutyCycles() - before, blockedAtNs - ranAtNs[0]};
    }

    @Test
    void shouldPollForTheSpinBoundAfterWorkThenBlock() throws Exception
    {
        final Thread thread = start(l -> new SpinThenBlockIdleStrategy(l, SPIN_NS));

        final long[] spin = cyclesUntilBlockedAfterACommand();
        // a spin of 100 ms polls thousands of times even on a busy core; the blocking strategy runs about two cycles
        assertTrue(spin[0] > 100, "duty cycles polled during the spin: " + spin[0]);
        assertTrue(spin[1] >= SPIN_NS - TimeUnit.MILLISECONDS.toNanos(20),
            "blocked only after the spin bound: " + TimeUnit.NANOSECONDS.toMillis(spin[1]) + " ms");

        // and then it stays blocked: no duty cycle, (almost) no CPU over an idle half second
        final long cycles = loop.dutyCycles();
        final long cpuNs = THREADS.getThreadCpuTime(thread.getId());
        Thread.sleep(500); // measuring an idle interval, not waiting for a condition
        final long idleCycles = loop.dutyCycles() - cycles;
        final long idleCpuMs = TimeUnit.NANOSECONDS.toMillis(THREADS.getThreadCpuTime(thread.getId()) - cpuNs);
        assertTrue(idleCycles <= 2, "duty cycles while idle after the spin: " + idleCycles);
        assertTrue(idleCpuMs < 100, "CPU while idle after the spin: " + idleCpuMs + " ms");
        assertTrue(loop.waiting());
    }

    @Test
    void shouldBlockAtOnceWithTheDefaultStrategy() throws Exception
    {
        start(SelectorIdleStrategy::new);
        final long[] block = cyclesUntilBlockedAfterACommand();
        assertTrue(block[0] <= 3, "duty cycles after one command: " + block[0]);
    }

    @Test
    void shouldSpinAgainAfterEachWakeUp() throws Exception
    {
        start(l -> new SpinThenBlockIdleStrategy(l, SPIN_NS));
        for (int i = 0; i < 3; i++)
        {
            final long[] spin = cyclesUntilBlockedAfterACommand();
            assertTrue(spin[0] > 100, "wake-up " + i + ": duty cycles polled during the spin: " + spin[0]);
        }
    }

    @Test
    void shouldRefuseANonPositiveSpin()
    {
        final EventLoop unstarted = new EventLoop(1, 16);
        try
        {
            assertThrows(IllegalArgumentException.class, () -> new SpinThenBlockIdleStrategy(unstarted, 0));
            assertEquals("spin-then-block", new SpinThenBlockIdleStrategy(unstarted, 1).alias());
        }
        finally
        {
            unstarted.onClose();
        }
    }
}
