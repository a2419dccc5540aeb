package io.vigil.stats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each counter lives in every loop's {@link LoopCounters}: one block of slots per listener, upstream,
 * server and one for the process, allocated once per label set and never freed, so a listener that a new
 * configuration keeps (by name) keeps counting where it was, as Prometheus counters must.
 *
 * <p>Threading: {@link #block} on the control thread (startup, reload); {@link #blocks()} from any thread.
 */
public final class StatsLayout
{
    /** The kinds of blocks and their sizes. */
    public enum Kind
    {
        /** Process-wide counters; label: none. See {@link GlobalCounters}. */
        GLOBAL(GlobalCounters.SIZE),
        /** One listener; label: listener. See {@link ListenerCounters}. */
        LISTENER(ListenerCounters.SIZE),
        /** One upstream group; label: upstream. See {@link UpstreamCounters}. */
        UPSTREAM(UpstreamCounters.SIZE),
        /** One server address of a group; labels: upstream, server. See {@link ServerCounters}. */
        SERVER(ServerCounters.SIZE);

        private final int size;

        Kind(final int size)
        {
            this.size = size;
        }

        /**
         * @return slots in a block of this kind.
         */
        public int size()
        {
            return size;
        }
    }

    /**
     * An allocated block.
     *
     * @param kind   what it counts.
     * @param labels label values (listener; upstream; upstream and server).
     * @param base   its first slot.
     */
    public record Block(Kind kind, List<String> labels, int base)
    {
    }

    private final Map<String, Block> byKey = new HashMap<>();
    private volatile List<Block> blocks = List.of();
    private int next;

    /**
     * The process block exists from the start, at slot 0.
     */
    public StatsLayout()
    {
        block(Kind.GLOBAL);
    }

    /**
     * @param kind   the kind.
     * @param labels its label values.
     * @return the block for that kind and labels, allocated on first use.
     */
    public synchronized Block block(final Kind kind, final String... labels)
    {
        final String key = kind + "\u0000" + String.join("\u0000", labels);
        Block block = byKey.get(key);
        if (block == null)
        {
            block = new Block(kind, List.of(labels), next);
            next += kind.size();
            byKey.put(key, block);
            final List<Block> grown = new ArrayList<>(blocks);
            grown.add(block);
            blocks = List.copyOf(grown);
        }
        return block;
    }

    /**
     * @return every block allocated so far, in allocation order.
     */
    public List<Block> blocks()
    {
        return blocks;
    }

    /**
     * @return slots allocated so far: every loop's array must hold this many.
     */
    public synchronized int slots()
    {
        return next;
    }
}
