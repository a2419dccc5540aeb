package io.vigil.upstream;

import io.vigil.config.UpstreamConfig;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A group's balancing on one loop: asks the configured {@link Chooser} for a primary peer, then a backup when no
 * primary can take the session, and counts the session against the peer's max-conns. State is per loop (no
 * locks) and picking allocates nothing; it is rebuilt only when the group's peer list changes (DNS).
 */
public final class PeerPicker
{
    /** No peer can take the session. */
    public static final int NONE = Chooser.NONE;

    private final UpstreamGroup group;
    private final Chooser chooser;
    private Peer[] peers;

    PeerPicker(final UpstreamGroup group, final long seed)
    {
        this.group = group;
        final UpstreamConfig config = group.config();
        this.chooser = switch (config.balance())
        {
            case ROUND_ROBIN -> new RoundRobinChooser();
            case LEAST_CONN -> new LeastConnChooser();
            case HASH -> config.consistent() ? new ConsistentHashChooser() : new HashChooser();
            case RANDOM -> new RandomChooser(false, seed);
            case RANDOM_TWO -> new RandomChooser(true, seed);
        };
        refresh();
    }

    /**
     * @return the group this picks from.
     */
    public UpstreamGroup group()
    {
        return group;
    }

    /**
     * Choose a peer for a session and count the session against it. The caller must {@link Peer#release()} it.
     *
     * @param triedMask  bit i set when peer i was already tried by this session (peers past 63 are never
     *                   excluded; tries stay bounded by next-upstream-tries).
     * @param clientHash the session's hash key, see {@link #clientHash}.
     * @param nowNs      the loop's clock.
     * @return the chosen peer, or null when no peer can take the session.
     */
    public Peer next(final long triedMask, final int clientHash, final long nowNs)
    {
        refresh();
        final Peer[] current = peers;
        for (int tier = 0; tier < 2; tier++)
        {
            final boolean backup = tier == 1;
            long excluded = triedMask;
            for (int attempt = 0; attempt < current.length; attempt++)
            {
                final int i = chooser.choose(current, excluded, backup, clientHash, nowNs);
                if (i == NONE)
                {
                    break;
                }
                if (current[i].tryAcquire())
                {
                    current[i].onPicked(nowNs);
                    return current[i];
                }
                if (i >= Long.SIZE)
                {
                    break;
                }
                excluded |= 1L << i; // at max-conns: another peer, or none
            }
        }
        return null;
    }

    /**
     * @param peer a peer returned by {@link #next}.
     * @return its bit for the tried mask, or 0 past 63.
     */
    public long bit(final Peer peer)
    {
        final Peer[] current = peers;
        for (int i = 0; i < current.length && i < Long.SIZE; i++)
        {
            if (current[i] == peer)
            {
                return 1L << i;
            }
        }
        return 0;
    }

    private void refresh()
    {
        final Peer[] latest = group.peers();
        if (latest != peers)
        {
            chooser.reset(latest);
            peers = latest;
        }
    }

    /**
     * The hash key of a client for {@code balance = hash}, without allocation.
     *
     * @param client the client's address.
     * @param key    what to hash.
     * @return the key.
     */
    public static int clientHash(final InetSocketAddress client, final UpstreamConfig.HashKey key)
    {
        if (client == null)
        {
            return 0;
        }
        final InetAddress ip = client.getAddress();
        // Inet4Address.hashCode is the address itself; Inet6Address's is computed from its bytes
        int hash = ip instanceof Inet4Address ? ip.hashCode() : ip.hashCode() * 0x01000193;
        if (key == UpstreamConfig.HashKey.CLIENT_ADDRESS_PORT)
        {
            hash = hash * 31 + client.getPort();
        }
        return Chooser.mix(hash);
    }
}
