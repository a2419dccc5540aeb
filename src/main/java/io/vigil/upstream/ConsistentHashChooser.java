package io.vigil.upstream;

import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * Ketama consistent hashing (nginx {@code hash key consistent}): each peer owns 160 points per unit of weight on
 * a ring, placed by a hash of its address alone, so adding or removing one of N peers moves only about 1/N of the
 * keys. A key goes to the first point at or after its hash; unavailable peers are passed by walking on.
 */
final class ConsistentHashChooser extends Chooser
{
    static final int POINTS_PER_WEIGHT = 160;

    private long[] primaryRing = new long[0];
    private long[] backupRing = new long[0];

    @Override
    void reset(final Peer[] peers)
    {
        primaryRing = ring(peers, false);
        backupRing = ring(peers, true);
    }

    /** Points packed as (hash << 32 | peer index), sorted by hash. */
    private static long[] ring(final Peer[] peers, final boolean backup)
    {
        int count = 0;
        for (final Peer peer : peers)
        {
            count += peer.backup() == backup ? peer.weight() * POINTS_PER_WEIGHT : 0;
        }
        final long[] ring = new long[count];
        int n = 0;
        for (int i = 0; i < peers.length; i++)
        {
            if (peers[i].backup() != backup)
            {
                continue;
            }
            final int seed = addressHash(peers[i].address());
            for (int point = 0; point < peers[i].weight() * POINTS_PER_WEIGHT; point++)
            {
                final int hash = mix(seed + point * 0x9E3779B9);
                ring[n++] = ((long)hash << 32) | i;
            }
        }
        Arrays.sort(ring); // signed order of the hash in the high half
        return ring;
    }

    static int addressHash(final InetSocketAddress address)
    {
        return mix(Arrays.hashCode(address.getAddress().getAddress()) * 31 + address.getPort());
    }

    @Override
    int choose(final Peer[] peers, final long excluded, final boolean backup, final int hash, final long nowNs)
    {
        final long[] ring = backup ? backupRing : primaryRing;
        if (ring.length == 0)
        {
            return NONE;
        }
        int low = 0;
        int high = ring.length;
        final long key = (long)hash << 32;
        while (low < high)
        {
            final int mid = (low + high) >>> 1;
            if (ring[mid] < key)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        for (int step = 0; step < ring.length; step++)
        {
            final int candidate = (int)ring[(low + step) % ring.length];
            if (eligible(peers, candidate, excluded, backup, nowNs))
            {
                return candidate;
            }
        }
        return NONE;
    }
}
