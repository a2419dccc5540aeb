package io.vigil.stats;

import java.util.List;

/**
 * Every counter summed over all loops at one moment, taken without locks while the loops run: each loop's
 * slots are read opaque, one loop after the other, so the snapshot is consistent per slot and close to a
 * single moment overall, which is what metrics need.
 */
public final class StatsSnapshot
{
    private final List<StatsLayout.Block> blocks;
    private final long[] totals;

    private StatsSnapshot(final List<StatsLayout.Block> blocks, final long[] totals)
    {
        this.blocks = blocks;
        this.totals = totals;
    }

    /**
     * @param layout the layout every loop's counters follow.
     * @param loops  each loop's counters.
     * @return the sums.
     */
    public static StatsSnapshot take(final StatsLayout layout, final List<LoopCounters> loops)
    {
        final List<StatsLayout.Block> blocks = layout.blocks();
        int slots = 0;
        for (final StatsLayout.Block block : blocks)
        {
            slots = Math.max(slots, block.base() + block.kind().size());
        }
        final long[] totals = new long[slots];
        for (final LoopCounters counters : loops)
        {
            for (int i = 0; i < slots; i++)
            {
                totals[i] += counters.get(i);
            }
        }
        return new StatsSnapshot(blocks, totals);
    }

    /**
     * @return the blocks, in allocation order.
     */
    public List<StatsLayout.Block> blocks()
    {
        return blocks;
    }

    /**
     * @param block  a block.
     * @param offset a slot offset within it.
     * @return the sum over loops.
     */
    public long get(final StatsLayout.Block block, final int offset)
    {
        final int slot = block.base() + offset;
        return slot < totals.length ? totals[slot] : 0;
    }

    /**
     * @param kind   a block kind.
     * @param labels its labels.
     * @param offset a slot offset within it.
     * @return the sum over loops, 0 when there is no such block.
     */
    public long get(final StatsLayout.Kind kind, final List<String> labels, final int offset)
    {
        for (final StatsLayout.Block block : blocks)
        {
            if (block.kind() == kind && block.labels().equals(labels))
            {
                return get(block, offset);
            }
        }
        return 0;
    }
}
