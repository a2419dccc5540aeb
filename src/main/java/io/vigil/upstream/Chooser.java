package io.vigil.upstream;

/**
 * One balancing algorithm's per-loop state. {@link #choose} looks only at peers of the asked tier (primary or
 * backup) that are not excluded and are available, and allocates nothing.
 */
abstract class Chooser
{
    static final int NONE = -1;

    /**
     * Rebuild state for a new peer list (startup or a DNS change). May allocate.
     *
     * @param peers the peers, primaries and backups.
     */
    abstract void reset(Peer[] peers);

    /**
     * @param peers    the same array given to {@link #reset}.
     * @param excluded bit i set: skip peer i (already tried, or full).
     * @param backup   which tier.
     * @param hash     the session's hash key (hash balancing only).
     * @param nowNs    the loop's clock.
     * @return a peer index or {@link #NONE}.
     */
    abstract int choose(Peer[] peers, long excluded, boolean backup, int hash, long nowNs);

    static boolean eligible(final Peer[] peers, final int i, final long excluded, final boolean backup,
        final long nowNs)
    {
        return peers[i].backup() == backup && (i >= Long.SIZE || (excluded & (1L << i)) == 0) &&
            peers[i].available(nowNs);
    }

    /** murmur3's 32-bit finaliser: spreads every input bit over the result. */
    static int mix(final int value)
    {
        int h = value;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** conns(a)/weight(a) below conns(b)/weight(b), without division. */
    static boolean fewerConns(final Peer a, final Peer b)
    {
        return (long)a.conns() * b.weight() < (long)b.conns() * a.weight();
    }
}
