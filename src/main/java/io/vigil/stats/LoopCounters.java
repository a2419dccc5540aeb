package io.vigil.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One event loop's counters: a flat array of longs written only by that loop, read by any thread. Writes are
 * opaque stores (plain movs on x86; no fence, no lock, no shared cache line between loops), reads are opaque
 * loads, so a reader sees each value whole and recent, and the sum over loops is a consistent-enough snapshot
 * for metrics. Slots are handed out by {@link StatsLayout}; every loop's array has the same layout.
 *
 * <p>Threading: {@link #add}, {@link #increment} and {@link #set} only on the owning loop's thread (which also
 * grows the array when the layout grew: a single writer); {@link #get} from any thread.
 */
public final class LoopCounters
{
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private volatile long[] values;

    /**
     * @param capacity slots to start with.
     */
    public LoopCounters(final int capacity)
    {
        this.values = new long[capacity];
    }

    /**
     * @param slot  a slot from the layout.
     * @param delta what to add (negative for a gauge going down).
     */
    public void add(final int slot, final long delta)
    {
        long[] array = values;
        if (slot >= array.length)
        {
            array = grow(slot + 1); // a block allocated after this loop last grew: only its writer grows it
        }
        SLOT.setOpaque(array, slot, (long)SLOT.getOpaque(array, slot) + delta);
    }

    /**
     * @param slot a slot from the layout.
     */
    public void increment(final int slot)
    {
        add(slot, 1);
    }

    /**
     * @param slot  a slot from the layout.
     * @param value the new value (a gauge owned by this loop).
     */
    public void set(final int slot, final long value)
    {
        long[] array = values;
        if (slot >= array.length)
        {
            array = grow(slot + 1);
        }
        SLOT.setOpaque(array, slot, value);
    }

    /**
     * @param slot a slot from the layout.
     * @return its value as this loop last wrote it; safe from any thread. 0 beyond the array.
     */
    public long get(final int slot)
    {
        final long[] array = values;
        return slot < array.length ? (long)SLOT.getOpaque(array, slot) : 0;
    }

    /**
     * Zero a freed block before its slots are handed out again. Owning loop's thread only.
     *
     * @param base  its first slot.
     * @param slots how many.
     */
    public void clear(final int base, final int slots)
    {
        final long[] array = values;
        for (int slot = base; slot < Math.min(base + slots, array.length); slot++)
        {
            SLOT.setOpaque(array, slot, 0L);
        }
    }

    /** Copy into a larger array; readers keep reading the old one until they next load the field. */
    private long[] grow(final int slots)
    {
        final long[] array = values;
        final long[] grown = new long[Math.max(slots, array.length * 2)];
        for (int i = 0; i < array.length; i++)
        {
            grown[i] = (long)SLOT.getOpaque(array, i);
        }
        values = grown;
        return grown;
    }

    /**
     * @return slots this array holds.
     */
    public int capacity()
    {
        return values.length;
    }
}
