package io.vigil.upstream;

import io.vigil.config.ServerConfig;
import io.vigil.config.UpstreamConfig;
import io.vigil.net.SocketTuning;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An upstream group as the loops use it: its servers, connect settings and the socket options applied to each
 * upstream socket before connect. Immutable and shared by all loops; per-loop balancing state lives in
 * {@link PeerPicker}.
 */
public final class UpstreamGroup
{
    private final UpstreamConfig config;
    private final InetSocketAddress[] addresses;
    private final int[] weights;
    private final SocketTuning tuning;

    /**
     * @param config     the group's configuration.
     * @param tcpNodelay whether upstream sockets get TCP_NODELAY.
     * @param failures   counter for socket options that fail at runtime.
     */
    public UpstreamGroup(final UpstreamConfig config, final boolean tcpNodelay, final AtomicLong failures)
    {
        this.config = config;
        final int n = config.servers().size();
        this.addresses = new InetSocketAddress[n];
        this.weights = new int[n];
        for (int i = 0; i < n; i++)
        {
            final ServerConfig server = config.servers().get(i);
            addresses[i] = server.address();
            weights[i] = server.weight();
        }
        this.tuning = new SocketTuning("upstream " + config.name(), config.soKeepalive(), tcpNodelay, failures);
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
     * @return number of servers.
     */
    public int size()
    {
        return addresses.length;
    }

    /**
     * @param server a server index.
     * @return its address.
     */
    public InetSocketAddress address(final int server)
    {
        return addresses[server];
    }

    int weight(final int server)
    {
        return weights[server];
    }

    /**
     * @return options for upstream sockets.
     */
    public SocketTuning tuning()
    {
        return tuning;
    }

    /**
     * @return a new balancing state for one loop.
     */
    public PeerPicker newPicker()
    {
        return new PeerPicker(this);
    }
}
