package io.vigil.session;

import io.vigil.config.ConnectionLimits;
import io.vigil.stats.RejectReason;
import org.agrona.collections.Object2IntHashMap;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a listener's connection limits count, kept across reloads (one per listener name, handed from
 * generation to generation), so connections of older generations still count; the limits themselves come with
 * each admission from the generation admitting, so a reload that changes them applies to new connections.
 *
 * <p>{@code max-connections} counts every open connection of the listener in one {@link AtomicInteger}: the
 * limit is global by definition, so its count must be; an atomic add at admission and at close is the cheapest
 * exact count (HAProxy's {@code maxconn} is an atomic counter too), while per-loop shares of the limit would
 * refuse connections on a busy loop while another loop has room. No lock is taken.
 *
 * <p>{@code max-connections-per-client} counts per client address in a map per loop, each used only by its own
 * loop: while that limit is set, every connection goes to its address's home loop ({@link #homeLoop}), so all
 * connections of one client are counted by one loop.
 */
public final class ConnectionLimiter
{
    private static final int MISSING = 0;

    private final AtomicInteger open = new AtomicInteger();
    private final List<Object2IntHashMap<InetAddress>> perClient;

    /**
     * @param loops how many event loops there are.
     */
    public ConnectionLimiter(final int loops)
    {
        final List<Object2IntHashMap<InetAddress>> maps = new ArrayList<>(loops);
        for (int i = 0; i < loops; i++)
        {
            maps.add(new Object2IntHashMap<>(MISSING));
        }
        this.perClient = List.copyOf(maps);
    }

    /**
     * The address a client is counted by: the accepted socket's peer today. With PROXY protocol this must become
     * the address the header names (admission then happens after the header is read).
     *
     * @param client the client side of a session.
     * @return its address, or null when unknown.
     */
    public static InetAddress clientAddress(final Downstream client)
    {
        return client.address() == null ? null : client.address().getAddress();
    }

    /**
     * @param address a client address.
     * @param loops   how many loops there are.
     * @return the loop that counts this client's connections while a per-client limit is set.
     */
    public static int homeLoop(final InetAddress address, final int loops)
    {
        if (address == null || loops == 1)
        {
            return 0;
        }
        final int mixed = address.hashCode() * 0x9E3779B9;
        return ((mixed ^ (mixed >>> 16)) & Integer.MAX_VALUE) % loops;
    }

    /**
     * @param limits the limits of the generation admitting.
     * @return true when connections must go to their client's home loop.
     */
    public boolean routesByClient(final ConnectionLimits limits)
    {
        return limits.maxPerClient() > 0 && perClient.size() > 1;
    }

    /**
     * Admit a connection or say why not. On success the client is charged and must be released once, by
     * {@link Downstream#releaseLimits()}. Call on the loop with index {@code loop} (the client's home loop when
     * {@link #routesByClient}). A reload's new limits apply from its first admission on; connections admitted
     * before still count.
     *
     * @param client the client side.
     * @param loop   the calling loop's index.
     * @param in     the limits of the generation admitting (the newest).
     * @return null when admitted, else the reason to refuse.
     */
    public RejectReason admit(final Downstream client, final int loop, final ConnectionLimits in)
    {
        final InetAddress address = clientAddress(client);
        final Object2IntHashMap<InetAddress> counts = perClient.get(loop);
        final boolean perClientLimit = in.maxPerClient() > 0 && address != null;
        if (perClientLimit && counts.getValue(address) >= in.maxPerClient())
        {
            return RejectReason.MAX_CONNECTIONS_PER_CLIENT;
        }
        if (open.incrementAndGet() > in.maxConnections() && in.maxConnections() > 0)
        {
            open.decrementAndGet();
            return RejectReason.MAX_CONNECTIONS;
        }
        if (perClientLimit)
        {
            counts.put(address, counts.getValue(address) + 1);
        }
        client.charged(this, perClientLimit ? loop : -1);
        return null;
    }

    /**
     * Give back what {@link #admit} charged. Call on the loop that admitted it.
     *
     * @param address the client's address as charged.
     * @param loop    the loop whose per-client map counted it, or -1.
     */
    void release(final InetAddress address, final int loop)
    {
        open.decrementAndGet();
        if (loop >= 0)
        {
            final Object2IntHashMap<InetAddress> counts = perClient.get(loop);
            final int left = counts.getValue(address) - 1;
            if (left <= 0)
            {
                counts.removeKey(address);
            }
            else
            {
                counts.put(address, left);
            }
        }
    }

    /**
     * @return open connections of the listener, all loops and generations.
     */
    public int open()
    {
        return open.get();
    }
}
