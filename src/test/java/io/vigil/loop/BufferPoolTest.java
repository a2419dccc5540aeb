package io.vigil.loop;

import org.junit.jupiter.api.Test;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool frees only what sat unused for a whole trim period, keeps a floor, and really gives the memory back.
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
