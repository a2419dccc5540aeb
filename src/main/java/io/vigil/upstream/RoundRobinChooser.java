package io.vigil.upstream;

/**
 * Smooth weighted round-robin (nginx {@code ngx_http_upstream_get_peer}): every candidate's current weight grows
 * by its weight, the largest wins and gives back the candidates' total, which interleaves peers in proportion to
 * their weights (5,1,1 gives a a b a c a a).
 */
final class RoundRobinChooser extends Chooser
{
    private int[] current = new int[0];

    @Override
    void reset(final Peer[] peers)
    {
        current = new int[peers.length];
    }

    @Override
    int choose(final Peer[] peers, final long excluded, final boolean backup, final int hash, final long nowNs)
    {
        return chooseAmong(peers, excluded, backup, nowNs, null);
    }

    /**
     * @param only when not null, also skip peers whose conns/weight differs from this peer's (least-conn ties).
     */
    int chooseAmong(final Peer[] peers, final long excluded, final boolean backup, final long nowNs, final Peer only)
    {
        int best = NONE;
        int total = 0;
        for (int i = 0; i < peers.length; i++)
        {
            if (!eligible(peers, i, excluded, backup, nowNs) ||
                only != null && (fewerConns(peers[i], only) || fewerConns(only, peers[i])))
            {
                continue;
            }
            final int weight = peers[i].weight();
            current[i] += weight;
            total += weight;
            if (best == NONE || current[i] > current[best])
            {
                best = i;
            }
        }
        if (best != NONE)
        {
            current[best] -= total;
        }
        return best;
    }
}
