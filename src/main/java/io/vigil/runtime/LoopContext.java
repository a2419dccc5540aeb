package io.vigil.runtime;

import io.vigil.config.UpstreamConfig;
import io.vigil.log.AccessLog;
import io.vigil.log.LogLine;
import io.vigil.loop.BufferBudget;
import io.vigil.loop.BufferPool;
import io.vigil.loop.EventLoop;
import io.vigil.loop.TimerTarget;
import io.vigil.session.ListenerShard;
import io.vigil.upstream.ConnectionPool;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.UpstreamGroup;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything one event loop owns besides its sessions: buffer pools by size, balancer state and idle upstream
 * connections per upstream group (keyed by the group object, so two generations' groups of one name never
 * share), and the access-log line buffer. Built on the control thread before
 * the loop uses it (published through the loop's command queue); used afterwards only on the loop's thread.
 */
final class LoopContext
{
    private static final int MAX_RETAINED_BUFFERS = 4096;
    /** Buffers kept through a quiet period, so the next small burst does not allocate. */
    private static final int BUFFERS_KEPT_WHEN_UNUSED = 16;
    /** How long a pooled buffer may sit unused before it is freed (property for tests). */
    private static final String TRIM_PERIOD_PROPERTY = "vigil.buffers.trim-period-ms";

    private final EventLoop loop;
    private final LogLine logLine;
    // concurrent maps: a reload builds entries on the control thread while the loop retires old ones; groups
    // do not override equals, so they are keyed by identity
    private final Map<Integer, BufferPool> buffers = new ConcurrentHashMap<>();
    private final Map<UpstreamGroup, PeerPicker> pickers = new ConcurrentHashMap<>();
    private final Map<UpstreamGroup, ConnectionPool> pools = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<ListenerShard>> newestShards = new ConcurrentHashMap<>();
    private final long trimPeriodNs = TimeUnit.MILLISECONDS.toNanos(Long.getLong(TRIM_PERIOD_PROPERTY, 10_000));
    private final TimerTarget trimTimer = this::onTrimTimer;
    private final BufferBudget bufferBudget;

    LoopContext(final EventLoop loop, final AccessLog accessLog, final BufferBudget bufferBudget)
    {
        this.loop = loop;
        this.bufferBudget = bufferBudget;
        this.logLine = accessLog.newLine();
    }

    /**
     * Starts giving back, every trim period, the pooled buffers that no session borrowed during that period (a
     * burst of stalled sessions would otherwise keep its buffers for the process's life).
     */
    void trimBuffersPeriodically()
    {
        loop.executeControl(() -> loop.schedule(loop.nowNs() + trimPeriodNs, trimTimer));
        bufferBudget.onShedIdle(loop, this::freeIdleBuffers);
    }

    /** At the buffer-memory cap: every buffer this loop's pools keep for reuse is room another pool may need. */
    private void freeIdleBuffers()
    {
        for (final BufferPool pool : buffers.values())
        {
            pool.freeIdle();
        }
    }

    private void onTrimTimer(final long timerId, final long nowNs)
    {
        for (final BufferPool pool : buffers.values())
        {
            pool.trim(BUFFERS_KEPT_WHEN_UNUSED);
        }
        loop.schedule(nowNs + trimPeriodNs, trimTimer);
    }

    EventLoop loop()
    {
        return loop;
    }

    LogLine logLine()
    {
        return logLine;
    }

    /**
     * @param size bytes per buffer.
     * @return the loop's pool of buffers of that size.
     */
    BufferPool buffers(final int size)
    {
        return buffers.computeIfAbsent(size, s -> new BufferPool(s, MAX_RETAINED_BUFFERS, loop.counters(),
            bufferBudget));
    }

    /**
     * @param group an upstream group.
     * @return the loop's balancer state for it.
     */
    PeerPicker picker(final UpstreamGroup group)
    {
        return pickers.computeIfAbsent(group, UpstreamGroup::newPicker);
    }

    /**
     * @param group an upstream group used by an HTTP listener.
     * @return the loop's idle connections to it.
     */
    ConnectionPool pool(final UpstreamGroup group)
    {
        return pools.computeIfAbsent(group, g ->
        {
            final UpstreamConfig config = g.config();
            return new ConnectionPool(loop, config.http().keepaliveIdle(), config.http().keepaliveTimeoutNs(),
                config.http().keepaliveRequests(), config.http().keepaliveTimeNs(), g.stats());
        });
    }

    /**
     * @return the loop's idle upstream connection pools.
     */
    Iterable<ConnectionPool> pools()
    {
        return pools.values();
    }

    /**
     * @param listener a listener's name.
     * @return where the newest shard of that name on this loop is published (created on first use).
     */
    AtomicReference<ListenerShard> newestShard(final String listener)
    {
        return newestShards.computeIfAbsent(listener, name -> new AtomicReference<>());
    }

    /**
     * A reload removed this listener: its older shards stay where they are and no longer point anywhere.
     *
     * @param listener a listener's name.
     */
    void forgetNewestShard(final String listener)
    {
        final AtomicReference<ListenerShard> slot = newestShards.remove(listener);
        if (slot != null)
        {
            slot.set(null);
        }
    }

    /**
     * @return the names of listeners with a published shard.
     */
    java.util.Set<String> publishedListeners()
    {
        return newestShards.keySet();
    }

    /**
     * A reload retired these groups: their pools close idle connections now and busy ones when given back.
     * Loop thread only.
     *
     * @param groups the retired generation's groups.
     */
    void retire(final List<UpstreamGroup> groups)
    {
        for (final UpstreamGroup group : groups)
        {
            final ConnectionPool pool = pools.get(group);
            if (pool != null)
            {
                pool.retire();
            }
        }
    }

    /**
     * A retired generation's last session ended: drop its groups' balancer state and pools. Loop thread only.
     *
     * @param groups its groups.
     */
    void forget(final List<UpstreamGroup> groups)
    {
        for (final UpstreamGroup group : groups)
        {
            pickers.remove(group);
            final ConnectionPool pool = pools.remove(group);
            if (pool != null)
            {
                pool.retire();
            }
        }
    }
}
