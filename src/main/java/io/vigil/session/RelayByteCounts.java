package io.vigil.session;

import io.vigil.stats.ListenerCounters;
import io.vigil.stats.LoopCounters;

/**
 * A relay's byte counters, moved as bytes move rather than at the end, so a long-lived session shows in rates while
 * it runs: each call adds what moved since the last. Owned by the relay's loop.
 */
final class RelayByteCounts
{
    private final LoopCounters counters;
    private final int stats;
    private long countedFromClient;
    private long countedToClient;
    private long countedFromUpstream;
    private long countedToUpstream;

    RelayByteCounts(final LoopCounters counters, final int stats)
    {
        this.counters = counters;
        this.stats = stats;
    }

    void report(final Flow toUpstream, final Flow toClient)
    {
        countedFromClient = add(ListenerCounters.BYTES_FROM_CLIENT, toUpstream.bytes, countedFromClient);
        countedToUpstream = add(ListenerCounters.BYTES_TO_UPSTREAM, toUpstream.sent, countedToUpstream);
        countedFromUpstream = add(ListenerCounters.BYTES_FROM_UPSTREAM, toClient.bytes, countedFromUpstream);
        countedToClient = add(ListenerCounters.BYTES_TO_CLIENT, toClient.sent, countedToClient);
    }

    private long add(final int slot, final long now, final long counted)
    {
        if (now != counted)
        {
            counters.add(stats + slot, now - counted);
        }
        return now;
    }
}
