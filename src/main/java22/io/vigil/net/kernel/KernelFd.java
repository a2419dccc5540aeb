package io.vigil.net.kernel;

import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.util.Set;

/**
 * One TCP socket descriptor and the calls both channel kinds make on it: options, bind, addresses, errors with the
 * JDK's exception classes and texts, close. The descriptor number is never used after close (it may belong to
 * another socket by then).
 */
final class KernelFd
{
    static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_REUSEADDR,
        StandardSocketOptions.SO_REUSEPORT, StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.TCP_NODELAY,
        StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_LINGER,
        ExtendedSocketOptions.TCP_KEEPIDLE, ExtendedSocketOptions.TCP_KEEPINTERVAL,
        ExtendedSocketOptions.TCP_KEEPCOUNT);

    final int family;
    /** The descriptor, or -1 once closed. */
    volatile int fd;
    private InetSocketAddress local;

    KernelFd(final int fd, final int family)
    {
        this.fd = fd;
        this.family = family;
    }

    /** A new non-blocking TCP socket; an AF_INET6 one takes both families, as the JDK's. */
    static KernelFd open(final int family) throws IOException
    {
        final Scratch scratch = Scratch.get();
        final int fd;
        try
        {
            fd = (int)Native.SOCKET.invokeExact(scratch.state, family,
                Native.SOCK_STREAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
        }
        catch (final Throwable ex)
        {
            throw new IOException("socket failed", ex);
        }
        if (fd < 0)
        {
            throw error(Native.errno(scratch.state));
        }
        final KernelFd opened = new KernelFd(fd, family);
        if (family == Native.AF_INET6)
        {
            try
            {
                opened.setInt(Native.IPPROTO_IPV6, Native.IPV6_V6ONLY, 0);
            }
            catch (final IOException ex)
            {
                opened.close();
                throw ex;
            }
        }
        return opened;
    }

    int checkedFd() throws ClosedChannelException
    {
        final int value = fd;
        if (value < 0)
        {
            throw new ClosedChannelException();
        }
        return value;
    }

    static IOException error(final int errno)
    {
        return new IOException(Native.strerror(errno));
    }

    /** The JDK's classes for a failed connect or bind (Net.c handleSocketError). */
    static IOException connectError(final int errno)
    {
        final String text = Native.strerror(errno);
        switch (errno)
        {
            case 111: // ECONNREFUSED
            case 110: // ETIMEDOUT
            case 107: // ENOTCONN
                return new ConnectException(text);
            case 113: // EHOSTUNREACH
                return new NoRouteToHostException(text);
            case 98: // EADDRINUSE
            case 99: // EADDRNOTAVAIL
            case 13: // EACCES
                return new BindException(text);
            default:
                return new SocketException(text);
        }
    }

    void setInt(final int level, final int option, final int value) throws IOException
    {
        final Scratch scratch = Scratch.get();
        scratch.value.set(ValueLayout.JAVA_INT, 0, value);
        final int rc;
        try
        {
            rc = (int)Native.SETSOCKOPT.invokeExact(scratch.state, checkedFd(), level, option, scratch.value, 4);
        }
        catch (final IOException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("setsockopt failed", ex);
        }
        if (rc != 0)
        {
            throw new SocketException(Native.strerror(Native.errno(scratch.state)));
        }
    }

    int getInt(final int level, final int option) throws IOException
    {
        final Scratch scratch = Scratch.get();
        scratch.length.set(ValueLayout.JAVA_INT, 0, 8);
        final int rc;
        try
        {
            rc = (int)Native.GETSOCKOPT.invokeExact(scratch.state, checkedFd(), level, option, scratch.value,
                scratch.length);
        }
        catch (final IOException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("getsockopt failed", ex);
        }
        if (rc != 0)
        {
            throw new SocketException(Native.strerror(Native.errno(scratch.state)));
        }
        return scratch.value.get(ValueLayout.JAVA_INT, 0);
    }

    <T> void setOption(final SocketOption<T> name, final T value) throws IOException
    {
        if (name == StandardSocketOptions.SO_LINGER)
        {
            final int seconds = (Integer)value;
            final Scratch scratch = Scratch.get();
            scratch.value.set(ValueLayout.JAVA_INT, 0, seconds < 0 ? 0 : 1);
            scratch.value.set(ValueLayout.JAVA_INT, 4, Math.max(seconds, 0));
            final int rc;
            try
            {
                rc = (int)Native.SETSOCKOPT.invokeExact(scratch.state, checkedFd(), Native.SOL_SOCKET,
                    Native.SO_LINGER, scratch.value, 8);
            }
            catch (final IOException ex)
            {
                throw ex;
            }
            catch (final Throwable ex)
            {
                throw new IOException("setsockopt failed", ex);
            }
            if (rc != 0)
            {
                throw new SocketException(Native.strerror(Native.errno(scratch.state)));
            }
            return;
        }
        final long where = where(name);
        final int number = value instanceof Boolean on ? (on ? 1 : 0) : (Integer)value;
        setInt((int)(where >>> 32), (int)where, number);
    }

    @SuppressWarnings("unchecked")
    <T> T getOption(final SocketOption<T> name) throws IOException
    {
        if (name == StandardSocketOptions.SO_LINGER)
        {
            getInt(Native.SOL_SOCKET, Native.SO_LINGER);
            final Scratch scratch = Scratch.get();
            final boolean on = scratch.value.get(ValueLayout.JAVA_INT, 0) != 0;
            return (T)Integer.valueOf(on ? scratch.value.get(ValueLayout.JAVA_INT, 4) : -1);
        }
        final long where = where(name);
        final int number = getInt((int)(where >>> 32), (int)where);
        return name.type() == Boolean.class ? (T)Boolean.valueOf(number != 0) : (T)Integer.valueOf(number);
    }

    /** The option's level (high 32 bits) and number (low): set once or twice per connection, no array for it. */
    private static long where(final SocketOption<?> name)
    {
        if (name == StandardSocketOptions.SO_REUSEADDR)
        {
            return levelAndOption(Native.SOL_SOCKET, Native.SO_REUSEADDR);
        }
        if (name == StandardSocketOptions.SO_REUSEPORT)
        {
            return levelAndOption(Native.SOL_SOCKET, Native.SO_REUSEPORT);
        }
        if (name == StandardSocketOptions.SO_KEEPALIVE)
        {
            return levelAndOption(Native.SOL_SOCKET, Native.SO_KEEPALIVE);
        }
        if (name == StandardSocketOptions.SO_RCVBUF)
        {
            return levelAndOption(Native.SOL_SOCKET, Native.SO_RCVBUF);
        }
        if (name == StandardSocketOptions.SO_SNDBUF)
        {
            return levelAndOption(Native.SOL_SOCKET, Native.SO_SNDBUF);
        }
        if (name == StandardSocketOptions.TCP_NODELAY)
        {
            return levelAndOption(Native.IPPROTO_TCP, Native.TCP_NODELAY);
        }
        if (name == ExtendedSocketOptions.TCP_KEEPIDLE)
        {
            return levelAndOption(Native.IPPROTO_TCP, Native.TCP_KEEPIDLE);
        }
        if (name == ExtendedSocketOptions.TCP_KEEPINTERVAL)
        {
            return levelAndOption(Native.IPPROTO_TCP, Native.TCP_KEEPINTVL);
        }
        if (name == ExtendedSocketOptions.TCP_KEEPCOUNT)
        {
            return levelAndOption(Native.IPPROTO_TCP, Native.TCP_KEEPCNT);
        }
        throw new UnsupportedOperationException("'" + name + "' not supported");
    }

    private static long levelAndOption(final int level, final int option)
    {
        return (long)level << 32 | (option & 0xffffffffL);
    }

    void bind(final InetSocketAddress address) throws IOException
    {
        final Scratch scratch = Scratch.get();
        final int length = SocketAddresses.encode(address, family, scratch.address);
        final int rc;
        try
        {
            rc = (int)Native.BIND.invokeExact(scratch.state, checkedFd(), scratch.address, length);
        }
        catch (final IOException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("bind failed", ex);
        }
        if (rc != 0)
        {
            throw connectError(Native.errno(scratch.state));
        }
        local = null;
    }

    /** getsockname, once: the local address never changes after bind or connect. */
    InetSocketAddress localAddress() throws IOException
    {
        InetSocketAddress known = local;
        if (known == null)
        {
            final Scratch scratch = Scratch.get();
            scratch.length.set(ValueLayout.JAVA_INT, 0, Native.SOCKADDR_BYTES);
            final int rc;
            try
            {
                rc = (int)Native.GETSOCKNAME.invokeExact(scratch.state, checkedFd(), scratch.address,
                    scratch.length);
            }
            catch (final IOException ex)
            {
                throw ex;
            }
            catch (final Throwable ex)
            {
                throw new IOException("getsockname failed", ex);
            }
            if (rc != 0)
            {
                throw error(Native.errno(scratch.state));
            }
            known = SocketAddresses.decode(scratch.address);
            if (known.getPort() != 0)
            {
                local = known;
            }
        }
        return known;
    }

    int pollNow() throws IOException
    {
        final Scratch scratch = Scratch.get();
        scratch.pollFd.set(ValueLayout.JAVA_INT, 0, checkedFd());
        scratch.pollFd.set(ValueLayout.JAVA_SHORT, 4, (short)(Native.POLLIN | Native.POLLOUT));
        scratch.pollFd.set(ValueLayout.JAVA_SHORT, 6, (short)0);
        final int rc;
        try
        {
            rc = (int)Native.POLL.invokeExact(scratch.state, scratch.pollFd, 1L, 0);
        }
        catch (final Throwable ex)
        {
            throw new IOException("poll failed", ex);
        }
        if (rc < 0)
        {
            throw error(Native.errno(scratch.state));
        }
        return rc == 0 ? 0 : scratch.pollFd.get(ValueLayout.JAVA_SHORT, 6) & 0xffff;
    }

    /** Close the descriptor once; closing it also takes it out of every epoll set (Vigil never dup()s one). */
    void close() throws IOException
    {
        final int value;
        synchronized (this)
        {
            value = fd;
            fd = -1;
        }
        if (value >= 0 && Native.close(Scratch.get().state, value) != 0)
        {
            // as the JDK, the descriptor is released whatever close says (EINTR included)
            final int errno = Native.errno(Scratch.get().state);
            if (errno != Native.EINTR)
            {
                throw error(errno);
            }
        }
    }

    static void closeQuietly(final int fd)
    {
        Native.close(Scratch.get().state, fd);
    }

    static MemorySegment segment(final java.nio.ByteBuffer buffer)
    {
        return MemorySegment.ofBuffer(buffer);
    }
}
