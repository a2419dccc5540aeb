package io.vigil.net.kernel;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

/**
 * Vigil's own socket layer (Linux, Java 22+, the default there; {@code -Dvigil.sockets=jdk} turns it off): epoll
 * selectors and non-blocking TCP sockets over the Foreign Function &amp; Memory API, in place of the JDK's NIO for the
 * data path. TCP only; no datagrams, pipes or Unix-domain sockets (those stay with the JDK's provider).
 */
public final class KernelSelectorProvider extends SelectorProvider
{
    /** The one instance: channels and selectors of one provider work together. */
    public static final KernelSelectorProvider INSTANCE = new KernelSelectorProvider();

    private KernelSelectorProvider()
    {
        // links every call now: a missing symbol fails here, when the layer is chosen, not mid-connection
        Native.strerror(Native.EAGAIN);
    }

    @Override
    public AbstractSelector openSelector() throws IOException
    {
        return new KernelSelector(this);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException
    {
        return new KernelServerSocketChannel(this, KernelFd.open(Native.AF_INET6));
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(final ProtocolFamily family) throws IOException
    {
        return new KernelServerSocketChannel(this, KernelFd.open(nativeFamily(family)));
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException
    {
        return new KernelSocketChannel(this, KernelFd.open(Native.AF_INET6), null);
    }

    @Override
    public SocketChannel openSocketChannel(final ProtocolFamily family) throws IOException
    {
        return new KernelSocketChannel(this, KernelFd.open(nativeFamily(family)), null);
    }

    private static int nativeFamily(final ProtocolFamily family)
    {
        if (family == StandardProtocolFamily.INET)
        {
            return Native.AF_INET;
        }
        if (family == StandardProtocolFamily.INET6)
        {
            return Native.AF_INET6;
        }
        throw new UnsupportedOperationException("Protocol family not supported by Vigil's own socket layer: " + family);
    }

    @Override
    public DatagramChannel openDatagramChannel()
    {
        throw new UnsupportedOperationException("no datagrams in Vigil's own socket layer");
    }

    @Override
    public DatagramChannel openDatagramChannel(final ProtocolFamily family)
    {
        throw new UnsupportedOperationException("no datagrams in Vigil's own socket layer");
    }

    @Override
    public Pipe openPipe()
    {
        throw new UnsupportedOperationException("no pipes in Vigil's own socket layer");
    }
}
