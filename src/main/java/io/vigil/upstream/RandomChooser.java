package io.vigil.upstream;

/**
 * Weighted random (nginx {@code random}), and with {@code two} set the power of two choices (nginx
 * {@code random two least_conn}): two weighted random picks, the one with fewer sessions per weight wins.
 * A per-loop xorshift generator: no shared state, no allocation.
 */
final class RandomChooser extends Chooser
{
    private final boolean two;
    private long state;

    RandomChooser(final boolean two, final long seed)
    {
        this.two = two;
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    @Override
    void reset(final Peer[] peers)
    {
    }

    @Override
    int choose(final Peer[] peers, final long excluded, final boolean backup, final int hash, final long nowNs)
    {
        final int first = weighted(peers, excluded, backup, nowNs);
        if (!two || first == NONE || first >= Long.SIZE)
        {
            return first;
        }
        final int second = weighted(peers, excluded | (1L << first), backup, nowNs);
        if (second == NONE)
        {
            return first;
        }
        return fewerConns(peers[second], peers[first]) ? second : first;
    }

    private int weighted(final Peer[] peers, final long excluded, final boolean backup, final long nowNs)
    {
        int total = 0;
        for (int i = 0; i < peers.length; i++)
        {
            if (eligible(peers, i, excluded, backup, nowNs))
            {
                total += peers[i].weight();
            }
        }
        if (total == 0)
        {
            return NONE;
        }
        int point = (int)Long.remainderUnsigned(next(), total);
        for (int i = 0; i < peers.length; i++)
        {
            if (eligible(peers, i, excluded, backup, nowNs))
            {
                point -= peers[i].weight();
                if (point < 0)
                {
                    return i;
                }
            }
        }
        return NONE;
    }

    private long next()
    {
        long x = state;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        state = x;
        return x;
    }
}
