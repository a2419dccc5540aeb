package io.vigil.net;

import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Proves that a socket from {@link KernelAccept} is the JDK's own accepted channel in every way Vigil uses one:
 * addresses, inherited options, selector registration, reads and writes, close. Runs in a JVM of the JDK under
 * test (the newer JDK loads the multi-release Java 22 class): {@code main(kernel|jdk)} exits 0 when every check
 * holds for the expected mechanism.
 */
public final class KernelAcceptCheck
{
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    private static final int KEEPIDLE = 77;

    private KernelAcceptCheck()
    {
    }

    /**
     * @param args "kernel" when accept4 must be in use, "jdk" when the JDK's accept must.
     * @throws Exception when a check fails.
     */
    public static void main(final String[] args) throws Exception
    {
        check(args[0]);
        System.out.println("OK " + args[0]);
    }

    /**
     * @param mechanism "kernel" or "jdk".
     * @throws Exception (AssertionError) when a check fails.
     */
    public static void check(final String mechanism) throws Exception
    {
        final boolean kernel = "kernel".equals(mechanism);
        expect(kernel == (KernelAccept.unavailableReason() == null),
            "mechanism " + mechanism + ", unavailable because: " + KernelAccept.unavailableReason());
        checkListener(InetAddress.getByName("127.0.0.1"), kernel);
        checkListener(InetAddress.getByName("::"), kernel); // dual stack: the IPv4 client's address, as the JDK's
    }

    private static void checkListener(final InetAddress listen, final boolean kernel) throws Exception
    {
        try (ServerSocketChannel server = ServerSocketChannel.open(); Selector selector = Selector.open())
        {
            server.bind(new InetSocketAddress(listen, 0));
            server.configureBlocking(false);
            server.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, KEEPIDLE);
            final KernelAccept accepts = new KernelAccept(server);
            expect(accepts.accept() == null, "nothing to accept yet");
            final int port = ((InetSocketAddress)server.getLocalAddress()).getPort();
            try (SocketChannel client = SocketChannel.open(new InetSocketAddress("127.0.0.1", port)))
            {
                final SocketChannel accepted = acceptWithin(accepts, TimeUnit.SECONDS.toNanos(5));
                expect(accepted.getRemoteAddress().equals(client.getLocalAddress()),
                    "remote " + accepted.getRemoteAddress() + " is the client's " + client.getLocalAddress());
                final InetSocketAddress local = (InetSocketAddress)accepted.getLocalAddress();
                // on a dual-stack listener the local address may be the IPv4-mapped form of the client's target
                expect(local.equals(client.getRemoteAddress()) ||
                    local.getPort() == port && local.getAddress().isLoopbackAddress(),
                    "local " + accepted.getLocalAddress());
                expect(accepted.getOption(ExtendedSocketOptions.TCP_KEEPIDLE) == KEEPIDLE, "keepidle inherited");
                final int fd = SocketFds.fd(accepted);
                final int flags = fdFlags(fd);
                expect(((flags & O_NONBLOCK) != 0) == kernel, "O_NONBLOCK from accept4 only: flags 0" +
                    Integer.toOctalString(flags));
                expect(!kernel || (flags & O_CLOEXEC) != 0, "O_CLOEXEC from accept4");
                accepted.configureBlocking(false);
                expect((fdFlags(fd) & O_NONBLOCK) != 0, "non-blocking after configureBlocking(false)");
                final SelectionKey key = accepted.register(selector, SelectionKey.OP_READ);
                client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
                expect(selector.select(5_000) == 1 && key.isReadable(), "readable through the selector");
                final ByteBuffer in = ByteBuffer.allocate(16);
                accepted.read(in);
                expect("ping".equals(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII)), "read");
                accepted.write(ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));
                final ByteBuffer back = ByteBuffer.allocate(16);
                client.read(back);
                expect("pong".equals(new String(back.array(), 0, back.position(), StandardCharsets.US_ASCII)),
                    "written");
                key.cancel();
                selector.selectNow();
                accepted.close();
                expect(!accepted.isOpen(), "closed");
                expect(client.read(ByteBuffer.allocate(1)) == -1, "the client sees the close");
            }
            server.close();
            try
            {
                accepts.accept();
                expect(false, "accept on a closed listener throws");
            }
            catch (final ClosedChannelException expected)
            {
                // as the JDK
            }
        }
    }

    private static SocketChannel acceptWithin(final KernelAccept accepts, final long timeoutNs) throws Exception
    {
        final long deadline = System.nanoTime() + timeoutNs;
        while (System.nanoTime() < deadline)
        {
            final SocketChannel accepted = accepts.accept();
            if (accepted != null)
            {
                return accepted;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("no connection accepted within the deadline");
    }

    private static int fdFlags(final int fd) throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)))
        {
            if (line.startsWith("flags:"))
            {
                return Integer.parseInt(line.substring(6).trim(), 8);
            }
        }
        throw new AssertionError("no flags for fd " + fd);
    }

    private static void expect(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }
}
