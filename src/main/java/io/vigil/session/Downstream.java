package io.vigil.session;

import io.vigil.net.HostPort;
import io.vigil.net.Sockets;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

/**
 * The client side of a session as every layer sees it: the accepted socket and the client's address, formatted
 * for logs when one first asks (a tcp listener without access log never does: no string per connection). The
 * address is the socket's peer, or the one a PROXY protocol header names once that is read; everything that
 * identifies a client (logs, balancer hash, X-Forwarded-For) uses this and not the socket. Owned by the session's
 * loop.
 */
public final class Downstream
{
    private final SocketChannel channel;
    private InetSocketAddress address;
    private String text;
    private ConnectionLimiter limiter;
    private java.net.InetAddress chargedAddress;
    private int chargedLoop;

    /**
     * @param channel an accepted, tuned, non-blocking socket.
     */
    public Downstream(final SocketChannel channel)
    {
        this.channel = channel;
        address(Sockets.remoteAddress(channel));
    }

    /**
     * @return the socket.
     */
    public SocketChannel channel()
    {
        return channel;
    }

    /**
     * @return the client's address after the PROXY protocol: the header's once a listener with
     * {@code proxy-protocol = on} has read it (before any mode's session starts), else the socket's peer; null when
     * the socket was already gone at accept. Per-client decisions (limits, hashing, logs) use this.
     */
    public InetSocketAddress address()
    {
        return address;
    }

    /**
     * @param client the real client's address (from a PROXY protocol header).
     */
    public void address(final InetSocketAddress client)
    {
        this.address = client;
        this.text = null;
    }

    /**
     * The connection was admitted and counted by a listener's limits. Loop thread only.
     *
     * @param by   the limiter that counted it.
     * @param loop the loop whose per-client map counted it, or -1.
     */
    void charged(final ConnectionLimiter by, final int loop)
    {
        limiter = by;
        chargedAddress = ConnectionLimiter.clientAddress(this);
        chargedLoop = loop;
    }

    /**
     * The connection ended: give back what its admission counted. Once; later calls do nothing. Loop thread only.
     */
    public void releaseLimits()
    {
        if (limiter != null)
        {
            limiter.release(chargedAddress, chargedLoop);
            limiter = null;
        }
    }

    /**
     * @return the address as logs write it ("-" when unknown).
     */
    public String text()
    {
        if (text == null)
        {
            text = address == null ? "-" : HostPort.format(address);
        }
        return text;
    }
}
