package io.vigil.net.kernel;

import io.vigil.net.NativeSocket;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

/**
 * A non-blocking TCP socket of Vigil's own layer: born non-blocking, reads and writes straight into the caller's heap
 * or direct buffer (EAGAIN = 0 bytes, EOF = -1), the local address read once when asked, finishConnect in one
 * getsockopt(TCP_INFO). Errors carry the JDK's exception classes and texts ("Connection reset" from read,
 * "Broken pipe" and "Connection reset by peer" from write, "Connection refused" from finishConnect), which
 * {@code net/Errno} classifies. Blocking mode is not supported: Vigil's data sockets never block.
 *
 * <p>Thread safety: one loop thread does I/O, and closes the channel while it is registered: a call reads the
 * descriptor number before it uses it, and unlike the JDK's channels nothing stops a close on another thread in
 * between (the number could then name a newer socket). Vigil closes and registers only on the owning loop.
 */
final class KernelSocketChannel extends SocketChannel implements NativeSocket
{
    static final int UNCONNECTED = 0;
    static final int PENDING = 1;
    static final int CONNECTED = 2;

    private final KernelFd socket;
    private volatile int state;
    private InetSocketAddress remote;
    private volatile boolean inputShut;
    private volatile boolean outputShut;

    KernelSocketChannel(final SelectorProvider provider, final KernelFd socket, final InetSocketAddress remote)
    {
        super(provider);
        this.socket = socket;
        this.remote = remote;
        this.state = remote == null ? UNCONNECTED : CONNECTED;
    }

    int connectState()
    {
        return state;
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
    public SocketChannel bind(final SocketAddress local) throws IOException
    {
        ensureOpen();
        socket.bind(SocketAddresses.check(local));
        return this;
    }

    @Override
    public <T> SocketChannel setOption(final SocketOption<T> name, final T value) throws IOException
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
    public SocketChannel shutdownInput() throws IOException
    {
        shutdown(Native.SHUT_RD);
        inputShut = true;
        return this;
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException
    {
        shutdown(Native.SHUT_WR);
        outputShut = true;
        return this;
    }

    private void shutdown(final int how) throws IOException
    {
        ensureOpen();
        if (state != CONNECTED)
        {
            throw new NotYetConnectedException();
        }
        final MemorySegment captured = Scratch.get().state;
        final int rc;
        try
        {
            rc = (int)Native.SHUTDOWN.invokeExact(captured, socket.checkedFd(), how);
        }
        catch (final IOException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("shutdown failed", ex);
        }
        if (rc != 0 && Native.errno(captured) != Native.ENOTCONN)
        {
            throw KernelFd.error(Native.errno(captured));
        }
    }

    @Override
    public Socket socket()
    {
        throw new UnsupportedOperationException("no java.net.Socket view of Vigil's kernel sockets");
    }

    @Override
    public boolean isConnected()
    {
        return state == CONNECTED;
    }

    @Override
    public boolean isConnectionPending()
    {
        return state == PENDING;
    }

    @Override
    public boolean connect(final SocketAddress target) throws IOException
    {
        ensureOpen();
        final InetSocketAddress peer = SocketAddresses.check(target);
        if (state == CONNECTED)
        {
            throw new AlreadyConnectedException();
        }
        if (state == PENDING)
        {
            throw new ConnectionPendingException();
        }
        final Scratch scratch = Scratch.get();
        final int length = SocketAddresses.encode(peer, socket.family, scratch.address);
        final int rc;
        try
        {
            rc = (int)Native.CONNECT.invokeExact(scratch.state, socket.checkedFd(), scratch.address, length);
        }
        catch (final IOException ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IOException("connect failed", ex);
        }
        remote = peer;
        if (rc == 0)
        {
            state = CONNECTED;
            return true;
        }
        final int errno = Native.errno(scratch.state);
        if (errno == Native.EINPROGRESS)
        {
            state = PENDING;
            return false;
        }
        remote = null;
        throw KernelFd.connectError(errno);
    }

    /** One syscall: TCP_INFO's state byte says established, still trying, or failed (then SO_ERROR says why). */
    @Override
    public boolean finishConnect() throws IOException
    {
        ensureOpen();
        if (state == CONNECTED)
        {
            return true;
        }
        if (state != PENDING)
        {
            throw new NoConnectionPendingException();
        }
        final Scratch scratch = Scratch.get();
        scratch.length.set(ValueLayout.JAVA_INT, 0, 8);
        final int rc;
        try
        {
            rc = (int)Native.GETSOCKOPT.invokeExact(scratch.state, socket.checkedFd(), Native.IPPROTO_TCP,
                Native.TCP_INFO, scratch.tcpInfo, scratch.length);
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
            throw KernelFd.error(Native.errno(scratch.state));
        }
        final int tcpState = scratch.tcpInfo.get(ValueLayout.JAVA_BYTE, 0);
        if (tcpState == Native.TCP_SYN_SENT)
        {
            return false;
        }
        if (tcpState == 7) // TCP_CLOSE: the attempt failed
        {
            final int error = socket.getInt(Native.SOL_SOCKET, Native.SO_ERROR);
            throw error == 0 ? new ConnectException("Connection refused") : KernelFd.connectError(error);
        }
        state = CONNECTED; // ESTABLISHED, or already past it (CLOSE_WAIT: the peer sent data and a FIN at once)
        return true;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException
    {
        ensureOpen();
        return remote;
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException
    {
        ensureOpen();
        return socket.localAddress();
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        ensureReadable(dst);
        final int room = dst.remaining();
        if (room == 0)
        {
            return 0;
        }
        final Scratch scratch = Scratch.get();
        final int fd = socket.checkedFd();
        // a heap buffer, or one of an arena's memory, through a segment, which keeps the arena open for the call
        if (!DirectAddress.usable(dst))
        {
            return readThroughSegment(scratch.state, fd, dst, room);
        }
        try
        {
            final long n = SocketCalls.read(scratch, fd, DirectAddress.of(dst), room);
            if (n > 0)
            {
                dst.position(dst.position() + (int)n);
                return (int)n;
            }
            return n == SocketCalls.EOF ? -1 : 0;
        }
        finally
        {
            Reference.reachabilityFence(dst); // its memory must outlive the call: only the address went in
        }
    }

    /** A heap buffer, read into in place through a segment (about 72 bytes per call). */
    private static int readThroughSegment(final MemorySegment captured, final int fd, final ByteBuffer dst,
        final int room) throws IOException
    {
        final MemorySegment into = MemorySegment.ofBuffer(dst);
        while (true)
        {
            final long n;
            try
            {
                n = (long)Native.READ.invokeExact(captured, fd, into, (long)room);
            }
            catch (final Throwable ex)
            {
                throw new IOException("read failed", ex);
            }
            if (n > 0)
            {
                dst.position(dst.position() + (int)n);
                return (int)n;
            }
            if (n == 0)
            {
                return -1;
            }
            final int errno = Native.errno(captured);
            if (errno == Native.EAGAIN)
            {
                return 0;
            }
            if (errno != Native.EINTR)
            {
                throw SocketCalls.readError(errno);
            }
        }
    }

    private void ensureReadable(final ByteBuffer dst) throws IOException
    {
        if (dst.isReadOnly())
        {
            throw new IllegalArgumentException("Read-only buffer");
        }
        ensureOpen();
        if (state != CONNECTED)
        {
            throw new NotYetConnectedException();
        }
    }

    @Override
    public long read(final ByteBuffer[] dsts, final int offset, final int length) throws IOException
    {
        long total = 0;
        for (int i = offset; i < offset + length; i++)
        {
            if (!dsts[i].hasRemaining())
            {
                continue;
            }
            final int room = dsts[i].remaining();
            final int n = read(dsts[i]);
            if (n < 0)
            {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (n < room)
            {
                break;
            }
        }
        return total;
    }

    @Override
    public int write(final ByteBuffer src) throws IOException
    {
        ensureWritable();
        final int length = src.remaining();
        if (length == 0)
        {
            return 0;
        }
        final Scratch scratch = Scratch.get();
        final int fd = socket.checkedFd();
        if (!DirectAddress.usable(src))
        {
            return writeThroughSegment(scratch.state, fd, src, length);
        }
        try
        {
            final long n = SocketCalls.write(scratch, fd, DirectAddress.of(src), length);
            if (n > 0)
            {
                src.position(src.position() + (int)n);
            }
            return n > 0 ? (int)n : 0;
        }
        finally
        {
            Reference.reachabilityFence(src);
        }
    }

    /** A heap buffer, written from in place through a segment (about 72 bytes per call). */
    private static int writeThroughSegment(final MemorySegment captured, final int fd, final ByteBuffer src,
        final int length) throws IOException
    {
        final MemorySegment from = MemorySegment.ofBuffer(src);
        while (true)
        {
            final long n;
            try
            {
                n = (long)Native.WRITE.invokeExact(captured, fd, from, (long)length);
            }
            catch (final Throwable ex)
            {
                throw new IOException("write failed", ex);
            }
            if (n >= 0)
            {
                src.position(src.position() + (int)n);
                return (int)n;
            }
            final int errno = Native.errno(captured);
            if (errno == Native.EAGAIN)
            {
                return 0;
            }
            if (errno != Native.EINTR)
            {
                throw KernelFd.error(errno);
            }
        }
    }

    private void ensureWritable() throws IOException
    {
        ensureOpen();
        if (outputShut)
        {
            throw new ClosedChannelException(); // as the JDK after shutdownOutput
        }
        if (state != CONNECTED)
        {
            throw new NotYetConnectedException();
        }
    }

    /**
     * writev(2) when every buffer goes by address (one syscall, as the JDK's); else one write per buffer, each
     * through a segment that keeps an arena's memory alive for its call (the iovecs hold only addresses).
     */
    @Override
    public long write(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        ensureWritable();
        boolean direct = length <= Scratch.IOV_MAX_USED;
        for (int i = offset; i < offset + length && direct; i++)
        {
            direct = DirectAddress.usable(srcs[i]);
        }
        return direct ? writeGathered(srcs, offset, length) : writeEach(srcs, offset, length);
    }

    private long writeGathered(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        final Scratch scratch = Scratch.get();
        int count = 0;
        for (int i = offset; i < offset + length; i++)
        {
            if (srcs[i].hasRemaining())
            {
                scratch.iovecs.set(ValueLayout.JAVA_LONG, 16L * count, DirectAddress.of(srcs[i]));
                scratch.iovecs.set(ValueLayout.JAVA_LONG, 16L * count + 8, srcs[i].remaining());
                count++;
            }
        }
        if (count == 0)
        {
            return 0;
        }
        final int fd = socket.checkedFd();
        final long n = writev(scratch, fd, count, srcs);
        if (n <= 0)
        {
            return 0;
        }
        long left = n;
        for (int i = offset; i < offset + length && left > 0; i++)
        {
            final int step = (int)Math.min(left, srcs[i].remaining());
            srcs[i].position(srcs[i].position() + step);
            left -= step;
        }
        return n;
    }

    /** @return bytes written, or 0 when the socket cannot take any now (EAGAIN). */
    private static long writev(final Scratch scratch, final int fd, final int count, final ByteBuffer[] srcs)
        throws IOException
    {
        try
        {
            return Math.max(SocketCalls.writev(scratch, fd, count), 0);
        }
        finally
        {
            Reference.reachabilityFence(srcs); // the iovecs hold only the buffers' addresses
        }
    }

    private long writeEach(final ByteBuffer[] srcs, final int offset, final int length) throws IOException
    {
        long total = 0;
        for (int i = offset; i < offset + length; i++)
        {
            final int wanted = srcs[i].remaining();
            if (wanted == 0)
            {
                continue;
            }
            final int n = write(srcs[i]);
            total += n;
            if (n < wanted)
            {
                break;
            }
        }
        return total;
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
        // born non-blocking: nothing to do
    }

    @Override
    public String toString()
    {
        return "KernelSocketChannel[fd=" + socket.fd + " remote=" + remote + "]";
    }
}
