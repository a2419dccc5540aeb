package io.vigil.session;

import io.vigil.config.ListenerConfig;
import io.vigil.net.SocketTuning;
import io.vigil.upstream.UpstreamGroup;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A listener as the loops use it: its settings, decided once, and the options applied to each accepted socket.
 * Immutable and shared by all loops.
 */
public final class Listener
{
    private final ListenerConfig config;
    private final UpstreamGroup upstream;
    private final SocketTuning downstreamTuning;
    private final SessionObserver observer;

    /**
     * @param config   the listener's configuration.
     * @param upstream the group its sessions go to.
     * @param observer session hooks.
     * @param failures counter for socket options that fail at runtime.
     */
    public Listener(
        final ListenerConfig config,
        final UpstreamGroup upstream,
        final SessionObserver observer,
        final AtomicLong failures)
    {
        this.config = config;
        this.upstream = upstream;
        this.observer = observer;
        this.downstreamTuning = new SocketTuning(
            "listener " + config.name(), config.soKeepalive(), config.tcpNodelay(), failures);
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
}
