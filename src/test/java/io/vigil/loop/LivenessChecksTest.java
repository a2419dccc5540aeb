package io.vigil.loop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The loop's liveness checks keep asking a check until it says no, survive a check that throws, and give a
 * burst's slots back once it is over.
 */
class LivenessChecksTest
{
    private final EventLoop loop = new EventLoop(0, 16);
    private final LivenessChecks checks = new LivenessChecks(loop, EventLoop.LIVENESS_CHECK_NS);

    @AfterEach
    void close()
    {
        loop.onClose();
    }

    @Test
    void shouldShrinkBackAfterABurstIsDropped()
    {
        final boolean[] blind = {true};
        final AtomicInteger asked = new AtomicInteger();
        for (int i = 0; i < 10_000; i++)
        {
            checks.watch(now ->
            {
                asked.incrementAndGet();
                return blind[0];
            });
        }
        checks.onTimer(0, loop.nowNs());
        assertEquals(10_000, asked.get(), "every check asked once a round");
        assertEquals(10_000, checks.count(), "blind checks stay");

        blind[0] = false;
        checks.onTimer(0, loop.nowNs());
        assertEquals(20_000, asked.get());
        assertEquals(0, checks.count(), "checks that answered false are dropped");
        assertEquals(16, checks.capacity(), "the burst's slots are given back at once");
    }

    @Test
    void shouldDropAThrowingCheckAndAskTheOthers()
    {
        final AtomicInteger asked = new AtomicInteger();
        checks.watch(now ->
        {
            throw new IllegalStateException("broken session");
        });
        checks.watch(now -> asked.incrementAndGet() < 2);
        checks.onTimer(0, loop.nowNs());
        assertEquals(1, checks.count(), "the throwing check is dropped, the other kept");
        assertEquals(1, asked.get());
        checks.onTimer(0, loop.nowNs());
        assertEquals(0, checks.count());
        assertEquals(1, loop.handlerFailures(), "the failure is counted");
    }
}
