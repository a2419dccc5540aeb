package io.vigil.net;

import org.agrona.CloseHelper;

import java.io.IOException;
import java.net.InetSocketAddress;
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
     * @return a new non-blocking socket, or null when the process cannot have one (EMFILE and the like): a local
     *         failure that says nothing about any upstream server.
     */
    public static SocketChannel openNonBlocking()
    {
        SocketChannel channel = null;
        try
        {
            channel = SocketChannel.open();
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
