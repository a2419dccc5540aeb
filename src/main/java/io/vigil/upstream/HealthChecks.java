package io.vigil.upstream;

import io.vigil.config.HealthCheckConfig;
import io.vigil.loop.EventLoop;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The active health checks of one group: one {@link HealthProbe} per peer, spread round-robin over the loops with
 * their first checks spread over one interval. When the peer list changes (DNS), probes of departed peers stop
 * and new peers get probes. Changed only from one thread at a time (setup, then the resolver).
 */
public final class HealthChecks
{
    private final UpstreamGroup group;
    private final EventLoop[] loops;
    private final Consumer<Peer> onDown;
    private final Map<Peer, HealthProbe> probes = new HashMap<>();
    private int nextLoop;

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
     * Create probes for the current peers. Call before the loops start.
     */
    public void start()
    {
        if (!enabled())
        {
            return;
        }
        final Peer[] peers = group.peers();
        for (int i = 0; i < peers.length; i++)
        {
            final HealthProbe probe = probe(peers[i]);
            if (probe != null)
            {
                probe.start(group.config().healthCheck().intervalNs() * i / peers.length);
            }
        }
    }

    /**
     * Match probes to a new peer list: stop those of peers that left, start probes for new ones.
     *
     * @param peers the new list (peers still present are the same objects).
     */
    public void update(final Peer[] peers)
    {
        if (!enabled())
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
                    probe.loop().execute(() -> probe.start(0));
                }
            }
        }
        for (final HealthProbe probe : departed.values())
        {
            probes.remove(probe.peer());
            probe.loop().execute(probe::stop);
        }
    }

    /**
     * Stop every probe (the group was retired by a reload). Safe from any thread: each stops on its loop.
     */
    public void stop()
    {
        for (final HealthProbe probe : probes.values())
        {
            probe.loop().execute(probe::stop);
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
        final HealthProbe probe = new HealthProbe(loop, group.name(), peer, group.config().healthCheck(), onDown);
        probes.put(peer, probe);
        return probe;
    }
}
