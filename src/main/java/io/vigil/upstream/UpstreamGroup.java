package io.vigil.upstream;

import io.vigil.config.ServerConfig;
import io.vigil.config.UpstreamConfig;
import io.vigil.log.Log;
import io.vigil.net.HostPort;
import io.vigil.net.SocketTuning;
import io.vigil.stats.StatsLayout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An upstream group as the loops use it: its peers (one per resolved address of each server), connect settings
 * and the socket options applied before connect. Shared by all loops: the peer list is an immutable array
 * replaced as a whole when DNS changes it, and per-loop balancing state lives in {@link PeerPicker}.
 */
public final class UpstreamGroup
{
    private final UpstreamConfig config;
    /** Replaced when a reload re-tunes this group's open sessions: their later connects use the new options. */
    private volatile SocketTuning tuning;
    private final StatsLayout layout;
    private final int stats;
    private final Map<String, PeerState> inherited = new HashMap<>();
    /** Every server address this group made a peer for (DNS adds some): their counter blocks are in use. */
    private final java.util.Set<String> servers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Peer[] peers;
    private long pickerSeed = 0x5DEECE66DL;

    /**
     * @param config     the group's configuration.
     * @param tcpNodelay whether upstream sockets get TCP_NODELAY.
     * @param failures   counter for socket options that fail at runtime.
     * @param layout     where the group's and its servers' counters are allocated.
     */
    public UpstreamGroup(
        final UpstreamConfig config, final boolean tcpNodelay, final AtomicLong failures, final StatsLayout layout)
    {
        this(config, tcpNodelay, failures, layout, null);
    }

    /**
     * @param config      the group's configuration.
     * @param tcpNodelay  whether upstream sockets get TCP_NODELAY.
     * @param failures    counter for socket options that fail at runtime.
     * @param layout      where the group's and its servers' counters are allocated.
     * @param predecessor the group of the same name in the configuration this one replaces, or null: servers that
     *                    stay keep their state (open sessions, failures, health).
     */
    public UpstreamGroup(
        final UpstreamConfig config, final boolean tcpNodelay, final AtomicLong failures, final StatsLayout layout,
        final UpstreamGroup predecessor)
    {
        this.config = config;
        this.layout = layout;
        if (predecessor != null)
        {
            for (final Peer peer : predecessor.peers())
            {
                inherited.put(key(peer.server(), peer.address()), peer.state());
            }
        }
        this.stats = layout.block(StatsLayout.Kind.UPSTREAM, config.name()).base();
        final List<Peer> list = new ArrayList<>();
        for (final ServerConfig server : config.servers())
        {
            for (final InetSocketAddress address : server.addresses())
            {
                list.add(newPeer(server, address));
            }
        }
        this.peers = list.toArray(new Peer[0]);
        this.tuning = new SocketTuning("upstream " + config.name(), config.soKeepalive(), tcpNodelay, failures);
    }

    /**
     * @param server  one of this group's servers entries.
     * @param address one of its addresses.
     * @return a new peer with its counter block.
     */
    public Peer newPeer(final ServerConfig server, final InetSocketAddress address)
    {
        final PeerState carried = inherited.get(key(server, address));
        final String label = HostPort.format(address);
        servers.add(label);
        return new Peer(server, address, layout.block(StatsLayout.Kind.SERVER, config.name(), label).base(),
            carried != null ? carried : new PeerState());
    }

    /**
     * @return the server labels (host:port) of every peer this group ever made, including those DNS removed but
     *         whose sessions may still run.
     */
    public java.util.Set<String> serverLabels()
    {
        return java.util.Collections.unmodifiableSet(servers);
    }

    /** A server "stays" across configurations when its host:port entry resolves to the same address. */
    private static String key(final ServerConfig server, final InetSocketAddress address)
    {
        return server.host() + ":" + server.port() + "|" + HostPort.format(address);
    }

    /**
     * @return base slot of the group's counters (see {@link io.vigil.stats.UpstreamCounters}).
     */
    public int stats()
    {
        return stats;
    }

    /**
     * @return the configuration.
     */
    public UpstreamConfig config()
    {
        return config;
    }

    /**
     * @return the group's name.
     */
    public String name()
    {
        return config.name();
    }

    /**
     * @return the current peers; never modified, replaced as a whole.
     */
    public Peer[] peers()
    {
        return peers;
    }

    /**
     * Publish a new peer list (e.g. after re-resolving names). Loops pick it up on their next choice; open
     * sessions keep their peer.
     *
     * @param replacement the new list.
     */
    public void peers(final Peer[] replacement)
    {
        this.peers = replacement;
    }

    /**
     * @return connect attempts a session may make: next-upstream-tries, or each current peer once.
     */
    public int maxTries()
    {
        final int configured = config.nextUpstreamTries();
        return configured != 0 ? configured : Math.max(1, peers.length);
    }

    /**
     * Count a failure against a peer (passive health) and say so when it makes the peer unavailable.
     *
     * @param peer  the peer a session failed on.
     * @param nowNs the loop's clock.
     */
    public void recordFailure(final Peer peer, final long nowNs)
    {
        if (peer.onFailure(nowNs))
        {
            Log.warn("upstream " + name() + " server " + peer.name() + " unavailable for fail-timeout after " +
                peer.server().maxFails() + " failure(s)");
        }
    }

    /**
     * @return options for upstream sockets.
     */
    public SocketTuning tuning()
    {
        return tuning;
    }

    /**
     * A newer configuration changed this upstream's socket options: sessions of this (older) generation use them
     * for the connects they still make (failover, the next HTTP request). Safe from any thread.
     *
     * @param newer the options of the upstream of the same name in the newer configuration.
     */
    public void retune(final SocketTuning newer)
    {
        tuning = newer;
    }

    /**
     * @return a new balancing state for one loop. Call at setup, from one thread.
     */
    public PeerPicker newPicker()
    {
        pickerSeed = pickerSeed * 6364136223846793005L + 1442695040888963407L;
        return new PeerPicker(this, pickerSeed);
    }
}
