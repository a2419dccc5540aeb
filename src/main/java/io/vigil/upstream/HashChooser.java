package io.vigil.upstream;

/**
 * Static weighted hashing (nginx {@code hash key}): the key maps to a point on the cumulative weights of the tier;
 * an unavailable peer is passed by rehashing, up to 20 times, then round-robin takes over. Keys stay on their
 * peer while the set is unchanged, but removing a peer remaps most keys: use {@link ConsistentHashChooser} for that.
 */
final class HashChooser extends Chooser
{
    private static final int REHASHES = 20;

    private final RoundRobinChooser fallback = new RoundRobinChooser();
    private int[] cumulativePrimary = new int[0];
    private int[] cumulativeBackup = new int[0];
    private int[] indexPrimary = new int[0];
    private int[] indexBackup = new int[0];

    @Override
    void reset(final Peer[] peers)
    {
        fallback.reset(peers);
        int primaries = 0;
        for (final Peer peer : peers)
        {
            primaries += peer.backup() ? 0 : 1;
        }
        cumulativePrimary = new int[primaries];
        indexPrimary = new int[primaries];
        cumulativeBackup = new int[peers.length - primaries];
        indexBackup = new int[peers.length - primaries];
        int p = 0;
        int b = 0;
        int sumP = 0;
        int sumB = 0;
        for (int i = 0; i < peers.length; i++)
        {
            if (peers[i].backup())
            {
                sumB += peers[i].weight();
                cumulativeBackup[b] = sumB;
                indexBackup[b++] = i;
            }
            else
            {
                sumP += peers[i].weight();
                cumulativePrimary[p] = sumP;
                indexPrimary[p++] = i;
            }
        }
    }

    @Override
    int choose(final Peer[] peers, final long excluded, final boolean backup, final int hash, final long nowNs)
    {
        final int[] cumulative = backup ? cumulativeBackup : cumulativePrimary;
        final int[] index = backup ? indexBackup : indexPrimary;
        if (cumulative.length == 0)
        {
            return NONE;
        }
        final int total = cumulative[cumulative.length - 1];
        for (int attempt = 0; attempt < REHASHES; attempt++)
        {
            final int point = Integer.remainderUnsigned(mix(hash + attempt * 0x9E3779B9), total);
            int low = 0;
            int high = cumulative.length - 1;
            while (low < high)
            {
                final int mid = (low + high) >>> 1;
                if (cumulative[mid] > point)
                {
                    high = mid;
                }
                else
                {
                    low = mid + 1;
                }
            }
            final int candidate = index[low];
            if (eligible(peers, candidate, excluded, backup, nowNs))
            {
                return candidate;
            }
        }
        return fallback.choose(peers, excluded, backup, hash, nowNs);
    }
}
