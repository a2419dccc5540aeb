package io.vigil.runtime;

import io.vigil.config.ListenerConfig;
import io.vigil.loop.EventLoop;
import io.vigil.net.HostPort;
import io.vigil.net.KernelKeepAlive;
import io.vigil.net.Sockets;
import io.vigil.net.SocketTuning;
import io.vigil.net.UserTimeouts;
import io.vigil.session.Acceptor;
import io.vigil.session.ListenerShard;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bound listening sockets and their acceptors, kept across configuration generations: a listener whose
 * address is unchanged keeps its socket (no bind gap, no refused connection) and its acceptors are pointed at the
 * new generation's shards; a new address is bound; a removed one takes what waits in its backlog and closes.
 * Control thread only; each acceptor is changed on its own loop, through the loop's command queue.
 */
final class ListenerSockets
{
    /** One listener's bound socket(s): one, or one per loop with reuseport. */
    static final class Bound
    {
        final String key;
        final ListenerConfig config;
        final InetSocketAddress address;
        final List<Acceptor> acceptors;

        Bound(final String key, final ListenerConfig config, final InetSocketAddress address,
            final List<Acceptor> acceptors)
        {
            this.key = key;
            this.config = config;
            this.address = address;
            this.acceptors = acceptors;
        }
    }

    private final EventLoop[] loops;
    private final Map<String, Bound> byKey = new ConcurrentHashMap<>();

    ListenerSockets(final EventLoop[] loops)
    {
        this.loops = loops;
    }

    /**
     * What makes two listeners "the same socket": the configured address and reuseport; with an ephemeral port
     * (0) the listener's name too, since every bind would pick another port.
     */
    static String key(final ListenerConfig config)
    {
        return HostPort.format(config.listen()) + (config.reuseport() ? " reuseport" : "") +
            (config.listen().getPort() == 0 ? " " + config.name() : "");
    }

    /**
     * @param config a listener of a new configuration.
     * @return its socket when already bound, else null.
     */
    Bound find(final ListenerConfig config)
    {
        return byKey.get(key(config));
    }

    /**
     * Bind a listener's socket(s) and register acceptors handing to {@code shards}. Call before the loops run or
     * from the control thread (registration with a running loop happens on that loop).
     *
     * @param config  the listener.
     * @param shards  its shard on every loop, by loop index.
     * @param running whether the loops run already (register through their command queues).
     * @return the bound socket(s).
     * @throws IllegalStateException when it cannot bind; nothing is left open.
     */
    Bound bind(final ListenerConfig config, final ListenerShard[] shards, final boolean running)
    {
        InetSocketAddress address = config.listen();
        final int sockets = config.reuseport() ? loops.length : 1;
        final List<Acceptor> acceptors = new ArrayList<>();
        final List<ServerSocketChannel> opened = new ArrayList<>();
        try
        {
            for (int i = 0; i < sockets; i++)
            {
                final ServerSocketChannel channel = Sockets.openServer(address);
                opened.add(channel);
                channel.configureBlocking(false);
                SocketTuning.applyListen(channel, config.reuseport());
                applyUserTimeout(channel, config, null);
                channel.bind(address, config.backlog());
                // an ephemeral port (0) is chosen once; the other reuseport sockets join it
                address = (InetSocketAddress)channel.getLocalAddress();
                final ListenerShard[] targets = config.reuseport() ? new ListenerShard[] {shards[i]} : shards;
                acceptors.add(new Acceptor(loops[i], channel, targets));
            }
        }
        catch (final IOException ex)
        {
            opened.forEach(CloseHelper::quietClose);
            throw new IllegalStateException("listener " + config.name() + ": cannot listen on " +
                HostPort.format(config.listen()) + ": " + ex.getMessage(), ex);
        }
        for (final Acceptor acceptor : acceptors)
        {
            if (running)
            {
                acceptor.loop().executeControl(() -> register(acceptor));
            }
            else
            {
                register(acceptor);
            }
        }
        final Bound bound = new Bound(key(config), config, address, acceptors);
        byKey.put(bound.key, bound);
        return bound;
    }

    /**
     * TCP_USER_TIMEOUT on a listening socket, which accepted sockets inherit (when the kernel mechanism is in
     * force): set at bind when on, and again when a reload changes it.
     */
    private static void applyUserTimeout(final ServerSocketChannel channel, final ListenerConfig config,
        final ListenerConfig before)
    {
        final long ms = userTimeoutMs(config);
        if (before == null ? ms > 0 : ms != userTimeoutMs(before))
        {
            UserTimeouts.apply(channel, ms);
        }
    }

    private static long userTimeoutMs(final ListenerConfig config)
    {
        return config.userTimeout().effectiveMs(config.soKeepalive(), KernelKeepAlive.systemDefaults());
    }

    private static void register(final Acceptor acceptor)
    {
        try
        {
            acceptor.register();
        }
        catch (final IOException ex)
        {
            acceptor.close();
        }
    }

    /**
     * Hand this socket's accepted connections to another generation's shards from now on.
     *
     * @param bound  the socket(s).
     * @param shards the new shards, by loop index.
     * @return the same socket(s), now serving that generation's listener.
     */
    Bound retarget(final Bound bound, final ListenerConfig config, final ListenerShard[] shards)
    {
        for (int i = 0; i < bound.acceptors.size(); i++)
        {
            final Acceptor acceptor = bound.acceptors.get(i);
            applyUserTimeout(acceptor.server(), config, bound.config);
            final ListenerShard[] targets = bound.config.reuseport() ? new ListenerShard[] {shards[i]} : shards;
            acceptor.loop().executeControl(() -> acceptor.retarget(targets));
        }
        final Bound kept = new Bound(bound.key, config, bound.address, bound.acceptors);
        byKey.put(kept.key, kept);
        return kept;
    }

    /**
     * The listener is gone from the configuration: accept what waits in the backlog, then close.
     *
     * @param bound the socket(s).
     */
    void retire(final Bound bound)
    {
        byKey.remove(bound.key);
        for (final Acceptor acceptor : bound.acceptors)
        {
            acceptor.loop().executeControl(acceptor::drainAndClose);
        }
    }

    /**
     * @return every bound listener.
     */
    List<Bound> all()
    {
        return new ArrayList<>(byKey.values());
    }

    /**
     * @param loop a loop.
     * @return the acceptors registered on it.
     */
    List<Acceptor> acceptorsOn(final EventLoop loop)
    {
        final List<Acceptor> on = new ArrayList<>();
        for (final Bound bound : byKey.values())
        {
            for (final Acceptor acceptor : bound.acceptors)
            {
                if (acceptor.loop() == loop)
                {
                    on.add(acceptor);
                }
            }
        }
        return on;
    }
}
