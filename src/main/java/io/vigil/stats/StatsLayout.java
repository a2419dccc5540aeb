package io.vigil.stats;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where each counter lives in every loop's {@link LoopCounters}: one block of slots per listener, upstream,
 * server and one for the process, allocated once per label set, so a listener that a new configuration keeps (by
 * name) keeps counting where it was, as Prometheus counters must. A block no live configuration uses any more (a
 * server a reload removed, once the last session to it ended) is freed: its series leave the metrics, and its
 * slots, once every loop has zeroed them, serve a later block of the same kind; the layout stays as large as the
 * configurations that run, not as all that ever ran.
 *
 * <p>Threading: {@link #block}, {@link #free} and {@link #recycle} on the control thread (startup, reload,
 * retirement), serialized by it; {@link #blocks()} from any thread.
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
    private final Map<Kind, ArrayDeque<Integer>> recycled = new EnumMap<>(Kind.class);

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
        final String key = key(kind, labels);
        Block block = byKey.get(key);
        if (block == null)
        {
            final ArrayDeque<Integer> free = recycled.get(kind);
            if (free != null && !free.isEmpty())
            {
                block = new Block(kind, List.of(labels), free.pop());
            }
            else
            {
                block = new Block(kind, List.of(labels), next);
                next += kind.size();
            }
            byKey.put(key, block);
            final List<Block> grown = new ArrayList<>(blocks);
            grown.add(block);
            blocks = List.copyOf(grown);
        }
        return block;
    }

    /**
     * Free every block (but the process's) that is not in use: it leaves {@link #blocks()} at once; its slots are
     * reused only after {@link #recycle}, once every loop has zeroed them.
     *
     * @param inUse whether a block is still used by a live configuration.
     * @return the blocks freed.
     */
    public synchronized List<Block> free(final Predicate<Block> inUse)
    {
        final List<Block> freed = new ArrayList<>();
        final List<Block> kept = new ArrayList<>();
        for (final Block block : blocks)
        {
            if (block.kind() == Kind.GLOBAL || inUse.test(block))
            {
                kept.add(block);
            }
            else
            {
                freed.add(block);
                byKey.remove(key(block.kind(), block.labels().toArray(new String[0])));
            }
        }
        if (!freed.isEmpty())
        {
            blocks = List.copyOf(kept);
        }
        return freed;
    }

    /**
     * Every loop zeroed a freed block: its slots may serve a new block of its kind.
     *
     * @param block a block {@link #free} returned.
     */
    public synchronized void recycle(final Block block)
    {
        recycled.computeIfAbsent(block.kind(), kind -> new ArrayDeque<>()).push(block.base());
    }

    private static String key(final Kind kind, final String... labels)
    {
        return kind + "\u0000" + String.join("\u0000", labels);
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
