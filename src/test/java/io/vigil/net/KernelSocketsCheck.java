package io.vigil.net;

import io.vigil.test.Ss;
import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Checks Vigil's own socket layer ({@code -Dvigil.sockets=kernel}) against real sockets, in a JVM of the newer JDK
 * ({@link KernelSocketsTest} starts it): the stale-event race of one epoll pass, the JDK's exception texts that
 * {@link Errno} reads, EAGAIN/EOF, addresses, and keepalive options as the kernel reports them ({@code ss}).
 * {@code main} prints "OK kernel" and exits 0 when every check holds.
 */
public final class KernelSocketsCheck
{
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(10);

    private KernelSocketsCheck()
    {
    }

    /**
     * @param args none.
     * @throws Exception when a check fails.
     */
    public static void main(final String[] args) throws Exception
    {
        expect("kernel".equals(SocketLayer.name()), "the kernel layer is active: " + SocketLayer.describe());
        final SelectorProvider provider = SocketLayer.provider();
        try (ServerSocketChannel server = provider.openServerSocketChannel();
            Selector selector = provider.openSelector())
        {
            server.configureBlocking(false);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final InetSocketAddress address = (InetSocketAddress)server.getLocalAddress();
            checkStaleEventOfReusedDescriptor(server, selector, address);
            checkReadWriteAndTexts(server, selector, address);
            checkKeepAliveSeenByKernel(server, address);
        }
        checkRefusedConnect(provider);
        System.out.println("OK kernel");
    }

    /**
     * Two sockets ready in one pass; the handler of the first closes the other and accepts a new socket, which the
     * kernel gives the closed one's descriptor number. The other's event, collected before, must reach nobody.
     */
    private static void checkStaleEventOfReusedDescriptor(final ServerSocketChannel server, final Selector selector,
        final InetSocketAddress address) throws Exception
    {
        try (Socket a = new Socket(address.getAddress(), address.getPort());
            Socket b = new Socket(address.getAddress(), address.getPort()))
        {
            final SocketChannel first = accept(server);
            final SocketChannel second = accept(server);
            first.register(selector, SelectionKey.OP_READ, "first");
            second.register(selector, SelectionKey.OP_READ, "second");
            try (Socket c = new Socket(address.getAddress(), address.getPort()))
            {
                c.getOutputStream().write('c'); // waits in the accept queue, readable once accepted
                a.getOutputStream().write('a');
                b.getOutputStream().write('b');
                final long end = System.nanoTime() + DEADLINE_NS;
                while (selector.selectNow(key -> { }) < 2)
                {
                    expect(System.nanoTime() < end, "both sockets readable in one pass");
                    Thread.onSpinWait();
                }
                final List<Object> dispatched = new ArrayList<>();
                final int[] fds = new int[2];
                final SocketChannel[] third = new SocketChannel[1];
                selector.selectNow(key ->
                {
                    dispatched.add(key.attachment());
                    if (dispatched.size() > 1)
                    {
                        return; // the stale event: counted, nothing else
                    }
                    final SocketChannel other = key.channel() == first ? second : first;
                    fds[0] = SocketFds.fd(other);
                    try
                    {
                        other.close();
                        third[0] = accept(server);
                        fds[1] = SocketFds.fd(third[0]);
                        third[0].register(selector, SelectionKey.OP_READ, "third");
                    }
                    catch (final Exception ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                });
                expect(fds[0] == fds[1] && fds[0] > 0,
                    "the new socket took the closed one's descriptor " + fds[0] + ": " + fds[1]);
                expect(dispatched.size() == 1, "one key dispatched in the pass, no stale event: " + dispatched);
                final List<Object> next = new ArrayList<>();
                final long end2 = System.nanoTime() + DEADLINE_NS;
                while (!next.contains("third"))
                {
                    expect(System.nanoTime() < end2, "the new socket's own event is dispatched later: " + next);
                    selector.selectNow(key -> next.add(key.attachment()));
                }
                final ByteBuffer one = ByteBuffer.allocate(4);
                expect(third[0].read(one) == 1 && one.get(0) == 'c', "the new socket reads its own byte");
                third[0].close();
            }
            first.close();
            second.close();
        }
    }

    private static void checkReadWriteAndTexts(final ServerSocketChannel server, final Selector selector,
        final InetSocketAddress address) throws Exception
    {
        try (Socket client = new Socket(address.getAddress(), address.getPort()))
        {
            final SocketChannel accepted = accept(server);
            expect(accepted.getRemoteAddress().equals(client.getLocalSocketAddress()),
                "remote address " + accepted.getRemoteAddress() + " = " + client.getLocalSocketAddress());
            expect(((InetSocketAddress)accepted.getLocalAddress()).getPort() == address.getPort(), "local port");
            final ByteBuffer heap = ByteBuffer.allocate(64);
            final ByteBuffer direct = ByteBuffer.allocateDirect(64);
            expect(accepted.read(heap) == 0 && accepted.read(direct) == 0, "EAGAIN reads 0 bytes");
            final OutputStream out = client.getOutputStream();
            out.write(new byte[] {1, 2, 3});
            readWithin(accepted, direct, 3);
            out.write(new byte[] {4, 5});
            readWithin(accepted, heap, 2);
            expect(direct.get(2) == 3 && heap.get(1) == 5, "bytes read into direct and heap buffers");
            final ByteBuffer[] pair = {ByteBuffer.allocateDirect(2).put((byte)7).put((byte)8).flip(),
                ByteBuffer.allocateDirect(1).put((byte)9).flip()};
            expect(accepted.write(pair, 0, 2) == 3, "gathering write");
            expect(accepted.write(ByteBuffer.wrap(new byte[] {10})) == 1, "heap write");
            final byte[] got = client.getInputStream().readNBytes(4);
            expect(got[0] == 7 && got[2] == 9 && got[3] == 10, "the peer reads what was written");
            client.shutdownOutput();
            heap.clear();
            final long end = System.nanoTime() + DEADLINE_NS;
            int n;
            while ((n = accepted.read(heap)) == 0)
            {
                expect(System.nanoTime() < end, "EOF arrives");
                Thread.onSpinWait();
            }
            expect(n == -1, "EOF reads -1: " + n);
            client.setSoLinger(true, 0);
            client.close(); // a reset
            IOException failure = null;
            final long end2 = System.nanoTime() + DEADLINE_NS;
            while (failure == null && System.nanoTime() < end2)
            {
                try
                {
                    accepted.write(ByteBuffer.wrap(new byte[1024]));
                }
                catch (final IOException ex)
                {
                    failure = ex;
                }
            }
            expect(failure != null, "a write to a reset peer fails");
            expect(Errno.of(failure) == Errno.ECONNRESET || Errno.of(failure) == Errno.EPIPE,
                "the JDK's text for a write to a reset peer: " + failure);
            accepted.close();
        }
        try (Socket client = new Socket(address.getAddress(), address.getPort()))
        {
            final SocketChannel accepted = accept(server);
            client.setSoLinger(true, 0);
            client.close();
            IOException failure = null;
            final long end = System.nanoTime() + DEADLINE_NS;
            while (failure == null && System.nanoTime() < end)
            {
                try
                {
                    accepted.read(ByteBuffer.allocate(16));
                }
                catch (final IOException ex)
                {
                    failure = ex;
                }
            }
            expect(failure != null && "Connection reset".equals(failure.getMessage()),
                "a read of a reset socket throws the JDK's \"Connection reset\": " + failure);
            expect(Errno.of(failure) == Errno.ECONNRESET, "Errno reads it as ECONNRESET");
            accepted.close();
        }
    }

    private static void checkKeepAliveSeenByKernel(final ServerSocketChannel server, final InetSocketAddress address)
        throws Exception
    {
        try (Socket client = new Socket(address.getAddress(), address.getPort()))
        {
            final SocketChannel accepted = accept(server);
            accepted.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 77);
            accepted.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 9);
            accepted.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 4);
            accepted.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            accepted.setOption(StandardSocketOptions.TCP_NODELAY, true);
            expect(accepted.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL) == 9 &&
                accepted.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT) == 4 &&
                accepted.getOption(StandardSocketOptions.TCP_NODELAY), "options read back");
            final List<String> lines = Ss.established("( sport = :" + address.getPort() + " and dport = :" +
                client.getLocalPort() + " )");
            expect(lines.size() == 1, "ss finds the accepted socket: " + lines);
            final double left = Ss.keepaliveSecondsLeft(lines.get(0));
            expect(left > 60 && left <= 77, "the kernel's keepalive timer runs from TCP_KEEPIDLE 77 s: " + lines);
            accepted.close();
        }
    }

    private static void checkRefusedConnect(final SelectorProvider provider) throws Exception
    {
        final int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            port = closed.getLocalPort();
        }
        try (SocketChannel channel = provider.openSocketChannel(); Selector selector = provider.openSelector())
        {
            channel.configureBlocking(false);
            ConnectException refused = null;
            try
            {
                if (!channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
                {
                    channel.register(selector, SelectionKey.OP_CONNECT);
                    final long end = System.nanoTime() + DEADLINE_NS;
                    while (!channel.finishConnect())
                    {
                        expect(System.nanoTime() < end, "the connect ends");
                        selector.select(100);
                    }
                }
            }
            catch (final ConnectException ex)
            {
                refused = ex;
            }
            expect(refused != null && "Connection refused".equals(refused.getMessage()),
                "a refused connect throws the JDK's ConnectException \"Connection refused\": " + refused);
        }
    }

    private static SocketChannel accept(final ServerSocketChannel server) throws IOException
    {
        final long end = System.nanoTime() + DEADLINE_NS;
        SocketChannel accepted;
        while ((accepted = server.accept()) == null)
        {
            expect(System.nanoTime() < end, "a connection to accept");
            Thread.onSpinWait();
        }
        accepted.configureBlocking(false);
        return accepted;
    }

    private static void readWithin(final SocketChannel channel, final ByteBuffer into, final int bytes)
        throws IOException
    {
        final long end = System.nanoTime() + DEADLINE_NS;
        while (into.position() < bytes)
        {
            expect(channel.read(into) >= 0 && System.nanoTime() < end, bytes + " bytes arrive");
        }
    }

    private static void expect(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }
}
