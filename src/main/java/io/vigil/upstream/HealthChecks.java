package io.vigil.upstream;

import io.vigil.config.HealthCheckConfig;
import io.vigil.loop.EventLoop;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The active health checks of one group: one {@link HealthProbe} per peer, spread round-robin over the loops with
 * their first checks spread over one interval. When the peer list changes (DNS), probes of departed peers stop
 * and new peers get probes. Changed from control threads only (start and reload, the resolver): its methods are
 * synchronized, never called by a loop; each probe starts and stops on its own loop, through its command queue.
 */
public final class HealthChecks
{
    private final UpstreamGroup group;
    private final EventLoop[] loops;
    private final Consumer<Peer> onDown;
    private final Map<Peer, HealthProbe> probes = new HashMap<>();
    private int nextLoop;
    private boolean stopped;

    /**
     * @param group  the group.
     * @param loops  the loops to run on.
     * @param onDown called on a loop thread when a peer goes down.
     */
    public HealthChecks(final UpstreamGroup group, final EventLoop[] loops, final Consumer<Peer> onDown)
    {
        this.group = group;
        this.loops = loops;
        this.onDown = onDown;
    }

    /**
     * @return true when the group has active checks configured.
     */
    public boolean enabled()
    {
        return group.config().healthCheck().type() != HealthCheckConfig.Type.NONE;
    }

    /**
     * Create probes for the current peers; each starts on its loop (or when its loop starts).
     */
    public synchronized void start()
    {
        if (!enabled() || stopped)
        {
            return;
        }
        final Peer[] peers = group.peers();
        for (int i = 0; i < peers.length; i++)
        {
            final HealthProbe probe = probe(peers[i]);
            if (probe != null)
            {
                final long delayNs = group.config().healthCheck().intervalNs() * i / peers.length;
                probe.loop().executeControl(() -> probe.start(delayNs));
            }
        }
    }

    /**
     * Match probes to a new peer list: stop those of peers that left, start probes for new ones.
     *
     * @param peers the new list (peers still present are the same objects).
     */
    public synchronized void update(final Peer[] peers)
    {
        if (!enabled() || stopped)
        {
            return;
        }
        final Map<Peer, HealthProbe> departed = new HashMap<>(probes);
        for (final Peer peer : peers)
        {
            if (departed.remove(peer) == null)
            {
                final HealthProbe probe = probe(peer);
                if (probe != null)
                {
                    probe.loop().executeControl(() -> probe.start(0));
                }
            }
        }
        for (final HealthProbe probe : departed.values())
        {
            probes.remove(probe.peer());
            probe.loop().executeControl(probe::stop);
        }
    }

    /**
     * Stop every probe (the group was retired by a reload), for good: a name resolution that finishes later
     * starts none. Safe from any thread: each stops on its loop.
     */
    public synchronized void stop()
    {
        stopped = true;
        for (final HealthProbe probe : probes.values())
        {
            probe.loop().executeControl(probe::stop);
        }
        probes.clear();
    }

    private HealthProbe probe(final Peer peer)
    {
        if (peer.server().down())
        {
            return null; // never used, nothing to check
        }
        final EventLoop loop = loops[nextLoop];
        nextLoop = (nextLoop + 1) % loops.length;
        final HealthProbe probe = new HealthProbe(loop, group.name(), peer, group.config().healthCheck(), onDown,
            group.config().sendProxyProtocol());
        probes.put(peer, probe);
        return probe;
    }
}
