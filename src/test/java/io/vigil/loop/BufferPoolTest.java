package io.vigil.loop;

import io.vigil.stats.GlobalCounters;
import io.vigil.stats.LoopCounters;
import org.junit.jupiter.api.Test;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool frees only what sat unused for a whole trim period, keeps a floor, and really gives the memory back; a
 * buffer given back twice is refused, so two borrowers never share one; lending and taking back allocate nothing.
 */
class BufferPoolTest
{
    private static final int SIZE = 32 * 1024;

    @Test
    void shouldFreeOnlyBuffersUnusedForAWholePeriod()
    {
        final BufferPool pool = new BufferPool(SIZE, 1024);
        final List<ByteBuffer> burst = borrow(pool, 100);
        burst.forEach(pool::release);
        assertEquals(0, pool.trim(16), "the burst used every buffer during this period: none is freed yet");
        assertEquals(100, pool.freeCount());

        final List<ByteBuffer> steady = borrow(pool, 30); // a steady load keeps needing 30
        steady.forEach(pool::release);
        assertEquals(70, pool.trim(16), "70 sat unused through the period");
        assertEquals(30, pool.freeCount());

        assertEquals(14, pool.trim(16), "nothing borrowed for a period: down to the floor");
        assertEquals(16, pool.freeCount());
        assertEquals(0, pool.trim(16));
        assertEquals(84, pool.freed());
    }

    @Test
    void shouldGiveTheNativeMemoryBack()
    {
        final BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(bean -> "direct".equals(bean.getName())).findFirst().orElseThrow();
        final BufferPool pool = new BufferPool(SIZE, 1024);
        final long before = direct.getMemoryUsed();
        borrow(pool, 200).forEach(pool::release);
        final long held = direct.getMemoryUsed() - before;
        assertTrue(held >= 200L * SIZE, "200 buffers allocated: " + held);
        pool.trim(0);
        pool.trim(0);
        final long left = direct.getMemoryUsed() - before;
        assertTrue(left < 10L * SIZE, "freed at once, not when a GC gets to them: " + left + " bytes left");
    }

    @Test
    void shouldCountEachRefusedReleaseInTheLoopsCounters()
    {
        final LoopCounters counters = new LoopCounters(GlobalCounters.SIZE);
        final BufferPool pool = new BufferPool(SIZE, 16, counters, BufferBudget.unlimited());
        final ByteBuffer buffer = pool.acquire();
        pool.release(buffer);
        assertEquals(0, counters.get(GlobalCounters.BUFFER_POOL_REFUSED_RELEASES), "a release that was lent");
        assertThrows(IllegalStateException.class, () -> pool.release(buffer));
        assertThrows(IllegalStateException.class, () -> pool.release(ByteBuffer.allocateDirect(SIZE)));
        assertEquals(2, counters.get(GlobalCounters.BUFFER_POOL_REFUSED_RELEASES), "a double and a foreign release");
    }

    @Test
    void shouldRefuseASecondReleaseSoTwoBorrowersNeverShareABuffer()
    {
        final BufferPool pool = new BufferPool(SIZE, 16);
        final ByteBuffer buffer = pool.acquire();
        pool.release(buffer);
        final IllegalStateException failure = assertThrows(IllegalStateException.class, () -> pool.release(buffer),
            "tests run with assertions on: a double release fails loudly");
        assertTrue(failure.getMessage().contains("released twice"), failure.getMessage());
        assertEquals(1, pool.refusedReleases());
        assertEquals(1, pool.freeCount(), "the buffer sits once among the free ones");
        final ByteBuffer first = pool.acquire();
        final ByteBuffer second = pool.acquire();
        assertNotSame(first, second, "two borrowers, two buffers");
        assertEquals(2, pool.lentCount());
    }

    @Test
    void shouldRefuseABufferItNeverLent()
    {
        final BufferPool pool = new BufferPool(SIZE, 16);
        assertThrows(IllegalStateException.class, () -> pool.release(ByteBuffer.allocateDirect(SIZE)));
        assertEquals(0, pool.freeCount(), "a stranger's buffer is not pooled");
    }

    @Test
    void shouldRefuseADoubleReleaseEvenAfterTheFirstWasLeftToTheGc()
    {
        final BufferPool pool = new BufferPool(SIZE, 1);
        final ByteBuffer kept = pool.acquire();
        final ByteBuffer dropped = pool.acquire();
        pool.release(kept);
        pool.release(dropped); // the pool is full: left to the GC, no longer out
        assertThrows(IllegalStateException.class, () -> pool.release(dropped));
        assertEquals(1, pool.freeCount());
        assertEquals(0, pool.lentCount());
    }

    @Test
    void shouldRefuseAStaleReleaseOfATrimmedBufferWhoseAddressWasReused()
    {
        final BufferPool pool = new BufferPool(SIZE, 4);
        final ByteBuffer trimmed = pool.acquire();
        final long address = org.agrona.BufferUtil.address(trimmed);
        pool.release(trimmed);
        pool.trim(0); // the low-water mark of the period before
        assertEquals(1, pool.trim(0), "unused for a whole period: freed");
        // malloc hands freed memory of the same size straight back: the next buffer usually gets the same address
        final ByteBuffer reused = pool.acquire();
        org.junit.jupiter.api.Assumptions.assumeTrue(org.agrona.BufferUtil.address(reused) == address,
            "the allocator did not reuse the address");
        assertThrows(IllegalStateException.class, () -> pool.release(trimmed), "a stale second release of the " +
            "freed buffer must not pass for the new buffer at the same address");
        assertEquals(1, pool.lentCount(), "the new buffer is still out");
        pool.release(reused);
        assertEquals(0, pool.lentCount());
    }

    @Test
    void shouldAllocateNothingToLendAndTakeBackOnceWarm()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final BufferPool pool = new BufferPool(SIZE, 1024);
        final ByteBuffer[] out = new ByteBuffer[64];
        cycle(pool, out, 1000); // warm: the buffers exist and the lent set has grown to 64
        final long thread = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(thread);
        cycle(pool, out, 10_000);
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(allocated < 64 * 1024, allocated + " bytes allocated for 640,000 loans (a byte per loan would " +
            "be 640,000)");
        assertEquals(64, pool.allocated(), "the 64 buffers of the first round, reused since");
    }

    private static void cycle(final BufferPool pool, final ByteBuffer[] out, final int rounds)
    {
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < out.length; i++)
            {
                out[i] = pool.acquire();
            }
            for (int i = out.length - 1; i >= 0; i--)
            {
                pool.release(out[i]);
            }
        }
    }

    private static List<ByteBuffer> borrow(final BufferPool pool, final int count)
    {
        final List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            buffers.add(pool.acquire());
        }
        return buffers;
    }
}
