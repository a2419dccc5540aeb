package io.vigil.upstream;

/**
 * Smooth weighted round-robin over a group's servers (nginx's {@code ngx_http_upstream_get_peer}): each pick
 * adds every candidate's weight to its current weight, takes the largest and subtracts the candidates' total
 * from it, which interleaves servers in proportion to their weights. One per loop per group, so no locks;
 * picking allocates nothing.
 */
public final class PeerPicker
{
    /** Returned when every server has been tried. */
    public static final int NONE = -1;

    private final UpstreamGroup group;
    private final int[] currentWeights;

    PeerPicker(final UpstreamGroup group)
    {
        this.group = group;
        this.currentWeights = new int[group.size()];
    }

    /**
     * @return the group this picks from.
     */
    public UpstreamGroup group()
    {
        return group;
    }

    /**
     * @param triedMask bit i set when server i was already tried by this session (servers past 63 are never
     *                  excluded, so tries stay bounded by next-upstream-tries instead).
     * @return the next server's index, or {@link #NONE} when all have been tried.
     */
    public int next(final long triedMask)
    {
        int best = NONE;
        int total = 0;
        for (int i = 0; i < currentWeights.length; i++)
        {
            if (i < Long.SIZE && (triedMask & (1L << i)) != 0)
            {
                continue;
            }
            final int weight = group.weight(i);
            currentWeights[i] += weight;
            total += weight;
            if (best == NONE || currentWeights[i] > currentWeights[best])
            {
                best = i;
            }
        }
        if (best != NONE)
        {
            currentWeights[best] -= total;
        }
        return best;
    }
}
