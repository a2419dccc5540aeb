package io.vigil.net;

import org.agrona.CloseHelper;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Small socket chores shared by the tcp and HTTP sessions.
 */
public final class Sockets
{
    private Sockets()
    {
    }

    /**
     * A listening socket for one address, from the socket layer in use. One IPv4 address gets an AF_INET socket, as
     * nginx binds it: every socket accepted from it is then a plain IPv4 one, where the JDK's default (a dual-stack
     * AF_INET6 socket) makes each an IPv6 socket holding an IPv4-mapped address, with the kernel's IPv6 state to set
     * up and tear down per connection (inet6_cleanup_sock and the like: benchmarks/RESULTS.md, "Connection setup:
     * where a connection's CPU goes"). A wildcard or IPv6 address keeps the dual-stack socket, so that a listener on
     * 0.0.0.0 still takes IPv6 clients as before.
     *
     * @param bindAddress where the socket will be bound.
     * @return a new, unbound listening socket.
     * @throws IOException when the socket cannot be opened.
     */
    public static ServerSocketChannel openServer(final InetSocketAddress bindAddress) throws IOException
    {
        final InetAddress address = bindAddress.getAddress();
        return address instanceof Inet4Address && !address.isAnyLocalAddress() ?
            SocketLayer.provider().openServerSocketChannel(StandardProtocolFamily.INET) :
            SocketLayer.provider().openServerSocketChannel();
    }

    /**
     * @return a new non-blocking socket, or null when the process cannot have one (EMFILE and the like): a local
     *         failure that says nothing about any upstream server.
     */
    public static SocketChannel openNonBlocking()
    {
        return openNonBlocking(null);
    }

    /**
     * @param target where the socket will connect, or null: an IPv4 target gets an AF_INET socket, which spares the
     *               setsockopt(IPV6_V6ONLY) a dual-stack socket costs and the IPv4-mapped addresses.
     * @return a new non-blocking socket, or null when the process cannot have one (see {@link #openNonBlocking()}).
     */
    public static SocketChannel openNonBlocking(final InetSocketAddress target)
    {
        SocketChannel channel = null;
        try
        {
            channel = target != null && target.getAddress() instanceof Inet4Address ?
                SocketLayer.provider().openSocketChannel(StandardProtocolFamily.INET) :
                SocketLayer.provider().openSocketChannel();
            channel.configureBlocking(false);
            return channel;
        }
        catch (final IOException ex)
        {
            CloseHelper.quietClose(channel);
            return null;
        }
    }

    /**
     * Whether a failed {@code connect()} was this host's failure rather than the server's: no local address or
     * port to connect from (EADDRNOTAVAIL, which the JDK reports as a BindException), or no descriptor or
     * memory for it. Such a failure must never count against a server's health.
     *
     * @param ex what connect threw.
     * @return true for a local failure.
     */
    public static boolean isLocalFailure(final IOException ex)
    {
        switch (Errno.of(ex))
        {
            case Errno.EADDRNOTAVAIL:
            case Errno.EMFILE:
            case Errno.ENFILE:
            case Errno.ENOBUFS:
            case Errno.ENOMEM:
                return true;
            default:
                return false;
        }
    }

    /**
     * @param channel a socket, or null.
     * @return its local address, or null when it has none (or is gone).
     */
    public static InetSocketAddress localAddress(final SocketChannel channel)
    {
        try
        {
            return channel == null ? null : (InetSocketAddress)channel.getLocalAddress();
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /**
     * @param channel a connected socket.
     * @return its peer's address, or null when it is already gone.
     */
    public static InetSocketAddress remoteAddress(final SocketChannel channel)
    {
        try
        {
            return (InetSocketAddress)channel.getRemoteAddress();
        }
        catch (final IOException ex)
        {
            return null;
        }
    }
}
