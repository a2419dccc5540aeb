package io.vigil.upstream;

import io.vigil.config.ServerConfig;
import io.vigil.net.HostPort;

import java.net.InetSocketAddress;

/**
 * One upstream address: its options and the state every loop shares, kept lock-free. Open sessions are counted
 * with a CAS so {@code max-conns} holds across loops. Passive health follows nginx's round-robin peer exactly:
 * failures bump {@code fails} and stamp {@code accessed} and {@code checked}; with {@code max-fails} failures
 * inside {@code fail-timeout} the peer is skipped until {@code fail-timeout} after the last one; then one session
 * may try it again (picking stamps {@code checked}), and a success after that resets {@code fails}. Active health
 * checks set {@link #healthy}.
 */
public final class Peer
{
    private final ServerConfig server;
    private final InetSocketAddress address;
    private final String name;
    private final int stats;
    private final PeerState state;

    /**
     * @param server  the servers entry this address came from.
     * @param address one of its addresses.
     * @param stats   base slot of its counter block.
     */
    public Peer(final ServerConfig server, final InetSocketAddress address, final int stats)
    {
        this(server, address, stats, new PeerState());
    }

    /**
     * @param server  the servers entry this address came from.
     * @param address one of its addresses.
     * @param stats   base slot of its counter block.
     * @param state   the state of the same server in an earlier configuration, carried over (open sessions,
     *                failures, health), or a fresh one.
     */
    public Peer(final ServerConfig server, final InetSocketAddress address, final int stats, final PeerState state)
    {
        this.server = server;
        this.address = address;
        this.name = HostPort.format(address);
        this.stats = stats;
        this.state = state;
    }

    /**
     * @return the state shared with this server's peers in other configuration generations.
     */
    public PeerState state()
    {
        return state;
    }

    /**
     * @param other a peer, maybe of another configuration generation, or null.
     * @return true when both stand for the same server (they share its state).
     */
    public boolean sameServer(final Peer other)
    {
        return other != null && other.state == state;
    }

    /**
     * @return base slot of this server's counters (see {@link io.vigil.stats.ServerCounters}).
     */
    public int stats()
    {
        return stats;
    }

    /**
     * @return the address.
     */
    public InetSocketAddress address()
    {
        return address;
    }

    /**
     * @return "ip:port", for logs.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the servers entry.
     */
    public ServerConfig server()
    {
        return server;
    }

    /**
     * @return weight.
     */
    public int weight()
    {
        return server.weight();
    }

    /**
     * @return true for a backup server.
     */
    public boolean backup()
    {
        return server.backup();
    }

    /**
     * @return sessions open (or connecting) to this peer, across loops.
     */
    public int conns()
    {
        return state.conns.get();
    }

    /**
     * @param nowNs the caller's clock.
     * @return whether new sessions may go here: not down, healthy, and not failed recently (max-conns is checked
     *         by {@link #tryAcquire()}).
     */
    public boolean available(final long nowNs)
    {
        if (server.down() || !state.healthy)
        {
            return false;
        }
        final int maxFails = server.maxFails();
        return maxFails == 0 || state.fails.get() < maxFails || nowNs - state.checkedNs > server.failTimeoutNs();
    }

    /**
     * Count a new session unless max-conns is reached.
     *
     * @return false when the peer is full.
     */
    public boolean tryAcquire()
    {
        final int max = server.maxConns();
        if (max == 0)
        {
            state.conns.incrementAndGet();
            return true;
        }
        int current;
        do
        {
            current = state.conns.get();
            if (current >= max)
            {
                return false;
            }
        }
        while (!state.conns.compareAndSet(current, current + 1));
        return true;
    }

    /**
     * A session counted by {@link #tryAcquire()} ended or moved on.
     */
    public void release()
    {
        state.conns.decrementAndGet();
    }

    /**
     * The peer was chosen: past fail-timeout, this starts a new window so only this session probes it.
     *
     * @param nowNs the caller's clock.
     */
    public void onPicked(final long nowNs)
    {
        if (nowNs - state.checkedNs > server.failTimeoutNs())
        {
            state.checkedNs = nowNs;
        }
    }

    /**
     * A connect failed or timed out, or a session died on the upstream side.
     *
     * @param nowNs the caller's clock.
     * @return true when this failure made the peer unavailable.
     */
    public boolean onFailure(final long nowNs)
    {
        state.accessedNs = nowNs;
        state.checkedNs = nowNs;
        final int count = state.fails.incrementAndGet();
        return server.maxFails() != 0 && count == server.maxFails();
    }

    /**
     * A connect succeeded.
     */
    public void onSuccess()
    {
        if (state.accessedNs < state.checkedNs)
        {
            state.fails.set(0);
        }
    }

    /**
     * @return the active health checks' verdict.
     */
    public boolean healthy()
    {
        return state.healthy;
    }

    /**
     * @param healthy the active health checks' new verdict.
     */
    public void healthy(final boolean healthy)
    {
        state.healthy = healthy;
    }

    @Override
    public String toString()
    {
        return name;
    }
}
