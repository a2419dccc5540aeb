package io.vigil.upstream;

/**
 * Fewest open sessions relative to weight (nginx {@code least_conn}); ties go to smooth weighted round-robin among
 * the tied peers. Counts are shared by all loops, so every loop sees the others' sessions.
 */
final class LeastConnChooser extends Chooser
{
    private final RoundRobinChooser tieBreak = new RoundRobinChooser();

    @Override
    void reset(final Peer[] peers)
    {
        tieBreak.reset(peers);
    }

    @Override
    int choose(final Peer[] peers, final long excluded, final boolean backup, final int hash, final long nowNs)
    {
        Peer least = null;
        for (int i = 0; i < peers.length; i++)
        {
            if (eligible(peers, i, excluded, backup, nowNs) && (least == null || fewerConns(peers[i], least)))
            {
                least = peers[i];
            }
        }
        return least == null ? NONE : tieBreak.chooseAmong(peers, excluded, backup, nowNs, least);
    }
}
