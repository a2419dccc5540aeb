package io.vigil.net.kernel;

import io.vigil.net.NativeSocket;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

/**
 * A listening TCP socket of Vigil's own layer: accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) with the peer's address from
 * accept4's own sockaddr, no fcntl and no getsockname per accepted socket. Non-blocking only.
 */
final class KernelServerSocketChannel extends ServerSocketChannel implements NativeSocket
{
    private static final int RETRIES = 16;

    private final KernelFd socket;
    private volatile boolean bound;

    KernelServerSocketChannel(final SelectorProvider provider, final KernelFd socket)
    {
        super(provider);
        this.socket = socket;
    }

    /** The descriptor's holder, for the selector's key (read there as a field on every select). */
    KernelFd kernelFd()
    {
        return socket;
    }

    @Override
    public int fd()
    {
        return socket.fd;
    }

    @Override
    public void setIntOption(final int level, final int option, final int value) throws IOException
    {
        socket.setInt(level, option, value);
    }

    @Override
    public int intOption(final int level, final int option) throws IOException
    {
        return socket.getInt(level, option);
    }

    @Override
    public int pollNow() throws IOException
    {
        return socket.pollNow();
    }

    @Override
    public ServerSocketChannel bind(final SocketAddress local, final int backlog) throws IOException
    {
        ensureOpen();
        if (bound)
        {
            throw new AlreadyBoundException();
        }
        final InetSocketAddress address = local == null ?
            new InetSocketAddress(InetAddress.getByAddress(new byte[4]), 0) : SocketAddresses.check(local);
        socket.bind(address);
        final int rc;
        final MemorySegment captured = Scratch.get().state;
        try
        {
            rc = (int)Native.LISTEN.invokeExact(captured, socket.checkedFd(), backlog < 1 ? 50 : backlog);
        }
        catch (final IOException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("listen failed", ex);
        }
        if (rc != 0)
        {
            throw KernelFd.error(Native.errno(captured));
        }
        bound = true;
        return this;
    }

    @Override
    public <T> ServerSocketChannel setOption(final SocketOption<T> name, final T value) throws IOException
    {
        ensureOpen();
        socket.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(final SocketOption<T> name) throws IOException
    {
        ensureOpen();
        return socket.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions()
    {
        return KernelFd.OPTIONS;
    }

    @Override
    public ServerSocket socket()
    {
        throw new UnsupportedOperationException("no java.net.ServerSocket view of Vigil's kernel sockets");
    }

    /**
     * @return the accepted socket, non-blocking already, or null when none waits.
     */
    @Override
    public SocketChannel accept() throws IOException
    {
        ensureOpen();
        if (!bound)
        {
            throw new NotYetBoundException();
        }
        final Scratch scratch = Scratch.get();
        final int fd = socket.checkedFd();
        for (int tries = 0; ; tries++)
        {
            scratch.length.set(ValueLayout.JAVA_INT, 0, Native.SOCKADDR_BYTES);
            final int accepted;
            try
            {
                accepted = (int)Native.ACCEPT4.invokeExact(scratch.state, fd, scratch.address, scratch.length,
                    Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC);
            }
            catch (final Throwable ex)
            {
                throw new IOException("accept4 failed", ex);
            }
            if (accepted >= 0)
            {
                try
                {
                    final InetSocketAddress peer = SocketAddresses.decode(scratch.address);
                    return new KernelSocketChannel(provider(), new KernelFd(accepted, socket.family), peer);
                }
                catch (final IOException | RuntimeException ex)
                {
                    KernelFd.closeQuietly(accepted);
                    throw ex;
                }
            }
            final int errno = Native.errno(scratch.state);
            if (errno == Native.EAGAIN)
            {
                return null;
            }
            if (errno != Native.EINTR && errno != Native.ECONNABORTED)
            {
                throw KernelFd.error(errno); // the JDK's text, e.g. "Too many open files"
            }
            if (tries >= RETRIES)
            {
                return null; // still readable: the next select tries again
            }
        }
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException
    {
        ensureOpen();
        return bound ? socket.localAddress() : null;
    }

    private void ensureOpen() throws ClosedChannelException
    {
        if (!isOpen())
        {
            throw new ClosedChannelException();
        }
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException
    {
        socket.close();
    }

    @Override
    protected void implConfigureBlocking(final boolean block) throws IOException
    {
        if (block)
        {
            throw new IOException("blocking mode is not supported by Vigil's own socket layer");
        }
    }

    @Override
    public String toString()
    {
        return "KernelServerSocketChannel[fd=" + socket.fd + "]";
    }
}
