package io.vigil.session;

import io.vigil.config.ListenerConfig;
import io.vigil.net.KeepAlive;
import io.vigil.net.KernelKeepAlive;
import io.vigil.net.SocketTuning;
import io.vigil.net.UserTimeouts;
import io.vigil.upstream.UpstreamGroup;

import java.util.concurrent.TimeUnit;

/**
 * A listener of one configuration generation as the loops use it: its settings, decided once, the options
 * applied to each accepted socket, the upstream group its sessions go to, and where its counters live. Immutable
 * and shared by all loops.
 */
public final class Listener
{
    private final ListenerConfig config;
    private final long generation;
    private final UpstreamGroup upstream;
    private final SocketTuning downstreamTuning;
    private final SessionObserver observer;
    private final int stats;
    private final ConnectionLimiter limiter;
    private final long clientUserTimeoutNs;
    private final long upstreamUserTimeoutNs;
    private final boolean userTimeoutByWriteStall;

    /**
     * @param config           the listener's configuration.
     * @param generation       the configuration generation it belongs to.
     * @param upstream         the group its sessions go to.
     * @param downstreamTuning options for accepted sockets.
     * @param observer         session hooks.
     * @param stats            base slot of its counter block (see {@link io.vigil.stats.ListenerCounters}).
     * @param limiter          its connection limits and open-connection count (shared by its generations).
     */
    public Listener(
        final ListenerConfig config,
        final long generation,
        final UpstreamGroup upstream,
        final SocketTuning downstreamTuning,
        final SessionObserver observer,
        final int stats,
        final ConnectionLimiter limiter)
    {
        this.config = config;
        this.generation = generation;
        this.upstream = upstream;
        this.downstreamTuning = downstreamTuning;
        this.observer = observer;
        this.stats = stats;
        this.limiter = limiter;
        final KeepAlive system = KernelKeepAlive.systemDefaults();
        this.clientUserTimeoutNs = TimeUnit.MILLISECONDS.toNanos(
            config.userTimeout().effectiveMs(config.soKeepalive(), system));
        this.upstreamUserTimeoutNs = TimeUnit.MILLISECONDS.toNanos(
            upstream.config().userTimeout().effectiveMs(upstream.config().soKeepalive(), system));
        // decided here, on the control thread at startup: the probe opens a socket, which a loop short of
        // descriptors could not, and would then fall back for good
        this.userTimeoutByWriteStall = UserTimeouts.mechanism() == UserTimeouts.Mechanism.WRITE_STALL;
    }

    /**
     * @return true when the loop enforces user-timeouts (write-stall timer), false when the kernel does.
     */
    public boolean userTimeoutByWriteStall()
    {
        return userTimeoutByWriteStall;
    }

    /**
     * @return its connection limits and open-connection count.
     */
    public ConnectionLimiter limiter()
    {
        return limiter;
    }

    /**
     * @return the client side's effective user-timeout in ns, 0 = off.
     */
    public long clientUserTimeoutNs()
    {
        return clientUserTimeoutNs;
    }

    /**
     * @return the upstream side's effective user-timeout in ns, 0 = off.
     */
    public long upstreamUserTimeoutNs()
    {
        return upstreamUserTimeoutNs;
    }

    /**
     * @return the configuration.
     */
    public ListenerConfig config()
    {
        return config;
    }

    /**
     * @return the listener's name.
     */
    public String name()
    {
        return config.name();
    }

    /**
     * @return the configuration generation this listener belongs to.
     */
    public long generation()
    {
        return generation;
    }

    /**
     * @return where sessions go.
     */
    public UpstreamGroup upstream()
    {
        return upstream;
    }

    /**
     * @return options for accepted sockets.
     */
    public SocketTuning downstreamTuning()
    {
        return downstreamTuning;
    }

    /**
     * @return session hooks.
     */
    public SessionObserver observer()
    {
        return observer;
    }

    /**
     * @return base slot of this listener's counters in every loop's {@link io.vigil.stats.LoopCounters}.
     */
    public int stats()
    {
        return stats;
    }
}
