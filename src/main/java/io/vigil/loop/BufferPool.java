package io.vigil.loop;

import io.vigil.log.Log;
import io.vigil.stats.GlobalCounters;
import io.vigil.stats.LoopCounters;
import org.agrona.BufferUtil;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.ByteBuffer;

/**
 * Direct buffers of one size, owned by one loop: borrowed while data is in flight and given back when drained,
 * so an idle session holds none. A burst (thousands of stalled sessions) may leave thousands of buffers here;
 * {@link #trim(int)}, called periodically by the owner, frees those that no one borrowed during the last period,
 * so the burst's native memory goes back to the system instead of staying for good.
 *
 * <p>A buffer given back twice would sit twice among the free ones, and two connections would then share it (one
 * could read the other's bytes). The pool knows which buffers are out (a primitive-keyed map from native address
 * to buffer that grows only with the number lent at once, so steady traffic allocates nothing): giving back a buffer
 * that is not out is refused (never pooled, counted in {@link #refusedReleases()} and in the loop's counters, exported
 * as {@code vigil_buffer_pool_refused_releases_total}) and, where assertions are on (the tests), fails loudly. Not
 * thread safe: only the owning loop uses it.
 *
 * <p>Every buffer allocated is charged to the process's {@link BufferBudget} and refunded when freed (trimmed, or
 * given back when the pool is full: freed at once instead of waiting for the GC, so the count stays true). At the
 * cap, or when allocateDirect fails, {@link #acquire()} throws {@link BufferUnavailable} rather than an
 * OutOfMemoryError into the loop.
 */
public final class BufferPool
{
    private final int bufferSize;
    private static final boolean FAIL_LOUDLY = BufferPool.class.desiredAssertionStatus();

    private final ByteBuffer[] free;
    /**
     * The buffers out on loan by native address, and which buffer object holds it: an address alone is not enough,
     * since a trimmed buffer's memory is freed and the next allocation may get the same address, and a stale
     * second release of the freed buffer must not pass for the new one's.
     */
    private final Long2ObjectHashMap<ByteBuffer> lent = new Long2ObjectHashMap<>();
    private final LoopCounters counters;
    private long refusedReleases;
    private int freeCount;
    /** The fewest free buffers since the last trim: that many sat unused for the whole period. */
    private int lowWater;
    private long allocated;
    private long freed;
    private final BufferBudget budget;

    /**
     * @param bufferSize  bytes per buffer.
     * @param maxRetained how many returned buffers to keep for reuse; more are left to the GC.
     */
    public BufferPool(final int bufferSize, final int maxRetained)
    {
        this(bufferSize, maxRetained, new LoopCounters(GlobalCounters.SIZE), BufferBudget.unlimited());
    }

    /**
     * @param bufferSize  bytes per buffer.
     * @param maxRetained how many returned buffers to keep for reuse; more are left to the GC.
     * @param counters    the owning loop's counters, where refused releases are counted for the metrics.
     * @param budget      the process's cap on buffer memory, charged per buffer allocated.
     */
    public BufferPool(final int bufferSize, final int maxRetained, final LoopCounters counters,
        final BufferBudget budget)
    {
        this.budget = budget;
        this.bufferSize = bufferSize;
        this.free = new ByteBuffer[maxRetained];
        this.counters = counters;
    }

    /**
     * @return bytes per buffer.
     */
    public int bufferSize()
    {
        return bufferSize;
    }

    /**
     * @return the process's cap this pool is charged to.
     */
    public BufferBudget budget()
    {
        return budget;
    }

    /**
     * @param buffers how many buffers a new session may need at once.
     * @return true when this pool could lend that many now, from its free ones or the budget's room.
     */
    public boolean canLend(final int buffers)
    {
        return freeCount >= buffers || budget.hasRoomFor((long)(buffers - freeCount) * bufferSize);
    }

    /**
     * @return a cleared buffer, reused when one is free.
     * @throws BufferUnavailable at the buffer-memory cap or when the JVM has no direct memory left.
     */
    public ByteBuffer acquire()
    {
        final ByteBuffer buffer;
        if (freeCount > 0)
        {
            buffer = free[--freeCount];
            free[freeCount] = null;
            if (freeCount < lowWater)
            {
                lowWater = freeCount;
            }
        }
        else
        {
            lowWater = 0;
            buffer = allocate();
        }
        lent.put(BufferUtil.address(buffer), buffer);
        return buffer;
    }

    private ByteBuffer allocate()
    {
        if (!budget.take(bufferSize))
        {
            budget.shedIdle(null); // too late for this buffer; the next ones find the room pools held idle
            budget.warnRefused("max-buffer-memory reached");
            throw BufferUnavailable.INSTANCE;
        }
        try
        {
            final ByteBuffer buffer = ByteBuffer.allocateDirect(bufferSize);
            allocated++;
            return buffer;
        }
        catch (final OutOfMemoryError ex)
        {
            // the JVM's direct memory (-XX:MaxDirectMemorySize) ran out before the cap: the same refusal, contained
            budget.giveBack(bufferSize);
            budget.clampToAllocated(); // never again: each failure costs the loop a GC and ~0.5 s of sleeps
            budget.countRefusal();
            budget.warnRefused("allocateDirect failed: " + ex.getMessage());
            throw BufferUnavailable.INSTANCE;
        }
    }

    /**
     * @param buffer a buffer from {@link #acquire()}, no longer used by the caller.
     * @throws IllegalStateException when assertions are on and the buffer is not out (given back twice, or never
     *                               lent by this pool).
     */
    public void release(final ByteBuffer buffer)
    {
        final long address = BufferUtil.address(buffer);
        final ByteBuffer out = lent.remove(address); // one lookup in the common case, on the per-packet path
        if (out != buffer)
        {
            if (out != null)
            {
                lent.put(address, out); // another buffer holds that address now (a trimmed one's memory reused)
            }
            refusedReleases++; // pooling it would hand one buffer to two owners
            counters.increment(GlobalCounters.BUFFER_POOL_REFUSED_RELEASES);
            if (refusedReleases == 1)
            {
                Log.warn("a buffer was given back twice, or not lent by this pool (a bug: please report" +
                    " it); it is not pooled again, so no two connections share it");
            }
            if (FAIL_LOUDLY)
            {
                throw new IllegalStateException("buffer released twice, or not lent by this pool: " + buffer);
            }
            return;
        }
        if (freeCount < free.length)
        {
            buffer.clear();
            free[freeCount++] = buffer;
        }
        else
        {
            free(buffer);
        }
    }

    private void free(final ByteBuffer buffer)
    {
        BufferUtil.free(buffer);
        budget.giveBack(bufferSize);
        freed++;
    }

    /**
     * Frees every buffer waiting in the pool for reuse: the buffer-memory cap was reached, and room held idle here
     * is room another pool (another buffer size, another loop) cannot have.
     *
     * @return how many buffers were freed.
     */
    public int freeIdle()
    {
        final int idle = freeCount;
        while (freeCount > 0)
        {
            final ByteBuffer buffer = free[--freeCount];
            free[freeCount] = null;
            free(buffer);
        }
        lowWater = 0;
        return idle;
    }

    /**
     * Frees the buffers that stayed in the pool since the previous trim (none was needed for the whole period),
     * keeping at least {@code keep} for the next burst. Freed explicitly: a pooled buffer lives in the old
     * generation, where the GC might not look (and release its native memory) for hours.
     *
     * @param keep buffers to keep however long they sat unused.
     * @return how many buffers were freed.
     */
    public int trim(final int keep)
    {
        final int unused = Math.min(lowWater, freeCount - keep);
        for (int i = 0; i < unused; i++)
        {
            final ByteBuffer buffer = free[--freeCount];
            free[freeCount] = null;
            free(buffer);
        }
        final int count = Math.max(unused, 0);
        lowWater = freeCount;
        return count;
    }

    /**
     * @return buffers allocated over the pool's life.
     */
    public long allocated()
    {
        return allocated;
    }

    /**
     * @return buffers freed over the pool's life (by {@link #trim(int)}, or given back to a full pool).
     */
    public long freed()
    {
        return freed;
    }

    /**
     * @return releases refused because the buffer was not out (a double release): each one a bug.
     */
    public long refusedReleases()
    {
        return refusedReleases;
    }

    /**
     * @return buffers lent and not yet given back.
     */
    public int lentCount()
    {
        return lent.size();
    }

    /**
     * @return buffers waiting for reuse.
     */
    public int freeCount()
    {
        return freeCount;
    }
}
