package io.vigil.upstream;

import io.vigil.log.Log;
import io.vigil.config.ServerConfig;
import io.vigil.net.HostPort;

import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Re-resolves the hostnames of upstream servers ({@code resolve = interval}) on its own thread, so a slow or
 * failing DNS never blocks an event loop. Every address of a name is a peer. When the set changes, the group gets
 * a new peer array; peers whose address stayed are the same objects (their health and session counts carry
 * over), open sessions keep the peer they have, and health checks follow the new set. A failed lookup keeps the
 * last known addresses.
 */
public final class Resolver implements AutoCloseable
{
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable ->
    {
        final Thread thread = new Thread(runnable, "vigil-resolver");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<UpstreamGroup, java.util.concurrent.ScheduledFuture<?>> watched =
        new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Re-resolve a group's hostnames every {@code resolve} interval, if it has any.
     *
     * @param group  the group.
     * @param checks its health checks, told about new and departed peers.
     */
    public void watch(final UpstreamGroup group, final HealthChecks checks)
    {
        final long intervalNs = group.config().resolveIntervalNs();
        if (intervalNs == 0 || group.config().servers().stream().noneMatch(ServerConfig::isHostname))
        {
            return;
        }
        watched.put(group, executor.scheduleWithFixedDelay(() -> refresh(group, checks), intervalNs, intervalNs,
            TimeUnit.NANOSECONDS));
    }

    /**
     * Stop re-resolving a group's names (a reload retired it).
     *
     * @param group the group.
     */
    public void unwatch(final UpstreamGroup group)
    {
        final java.util.concurrent.ScheduledFuture<?> task = watched.remove(group);
        if (task != null)
        {
            task.cancel(false);
        }
    }

    /**
     * Resolve once and publish a changed peer list. Runs on the resolver thread.
     *
     * @param group  the group.
     * @param checks its health checks.
     */
    static void refresh(final UpstreamGroup group, final HealthChecks checks)
    {
        final Peer[] current = group.peers();
        // by servers entry (identity: two equal entries stay two servers), then address
        final Map<ServerConfig, Map<InetSocketAddress, Peer>> existing = new IdentityHashMap<>();
        for (final Peer peer : current)
        {
            existing.computeIfAbsent(peer.server(), server -> new HashMap<>()).put(peer.address(), peer);
        }
        final List<Peer> next = new ArrayList<>();
        for (final ServerConfig server : group.config().servers())
        {
            List<InetSocketAddress> addresses = null;
            if (server.isHostname())
            {
                try
                {
                    addresses = HostPort.resolveAll(server.host(), server.port());
                }
                catch (final UnknownHostException ex)
                {
                    Log.warn("upstream " + group.name() + ": cannot resolve " + server.host() +
                        ", keeping its last addresses: " + ex.getMessage());
                }
            }
            if (addresses == null)
            {
                for (final Peer peer : current)
                {
                    if (peer.server() == server)
                    {
                        next.add(peer);
                    }
                }
                continue;
            }
            for (final InetSocketAddress address : addresses)
            {
                final Peer known = existing.getOrDefault(server, Map.of()).get(address);
                next.add(known != null ? known : group.newPeer(server, address));
            }
        }
        final Peer[] replacement = next.toArray(new Peer[0]);
        if (!Arrays.equals(current, replacement))
        {
            group.peers(replacement);
            checks.update(replacement);
            Log.info("upstream " + group.name() + ": servers now " + Arrays.toString(replacement) +
                " (were " + Arrays.toString(current) + ")");
        }
    }

    @Override
    public void close()
    {
        executor.shutdownNow();
    }
}
