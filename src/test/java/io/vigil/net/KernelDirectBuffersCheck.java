package io.vigil.net;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Reads and writes of direct buffers on the kernel socket layer go first through calls without errno capture and,
 * only when one fails, once more with it; a socket error is consumed by the first call. These checks, with direct
 * buffers over real loopback sockets, hold the outcomes to the JDK's: nothing to read is 0, an end of stream -1 (an
 * end of stream, not an error, even after a failed read), a reset peer "Connection reset" on read and "Connection
 * reset by peer" or "Broken pipe" on write and gathering write. Started by {@link KernelDirectBuffersTest} with
 * {@code -Dvigil.sockets=kernel}; prints "OK direct".
 */
public final class KernelDirectBuffersCheck
{
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(10);

    private KernelDirectBuffersCheck()
    {
    }

    /**
     * @param args none.
     * @throws Exception when a check fails.
     */
    public static void main(final String[] args) throws Exception
    {
        expect("kernel".equals(SocketLayer.name()), "the kernel layer is active: " + SocketLayer.describe());
        try (ServerSocketChannel server = SocketLayer.provider().openServerSocketChannel())
        {
            server.configureBlocking(false);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final InetSocketAddress address = (InetSocketAddress)server.getLocalAddress();
            checkNothingThenEndOfStream(server, address);
            checkResetOnRead(server, address);
            checkResetOnWrite(server, address, false);
            checkResetOnWrite(server, address, true);
        }
        System.out.println("OK direct");
    }

    private static void checkNothingThenEndOfStream(final ServerSocketChannel server,
        final InetSocketAddress address) throws Exception
    {
        try (Socket client = new Socket(address.getAddress(), address.getPort());
            SocketChannel accepted = accept(server))
        {
            final ByteBuffer into = ByteBuffer.allocateDirect(64);
            expect(accepted.read(into) == 0, "nothing to read yet reads 0 (EAGAIN, through the retry)");
            final OutputStream out = client.getOutputStream();
            out.write(new byte[] {1, 2, 3});
            out.flush();
            final long end = System.nanoTime() + DEADLINE_NS;
            while (into.position() < 3)
            {
                expect(accepted.read(into) >= 0 && System.nanoTime() < end, "three bytes arrive");
            }
            expect(into.get(0) == 1 && into.get(2) == 3, "the bytes in place");
            client.shutdownOutput();
            int n = 0;
            while (n == 0)
            {
                expect(System.nanoTime() < end, "the end of stream arrives");
                n = accepted.read(into.clear().position(5));
            }
            expect(n == -1, "the end of stream reads -1: " + n);
            expect(accepted.read(into.clear()) == -1, "and again");
        }
    }

    private static void checkResetOnRead(final ServerSocketChannel server, final InetSocketAddress address)
        throws Exception
    {
        try (Socket client = new Socket(address.getAddress(), address.getPort());
            SocketChannel accepted = accept(server))
        {
            client.setSoLinger(true, 0);
            client.close();
            final IOException failure = firstFailure(() -> accepted.read(ByteBuffer.allocateDirect(16)));
            expect(failure != null && "Connection reset".equals(failure.getMessage()),
                "a read of a reset socket into a direct buffer throws the JDK's \"Connection reset\": " + failure);
            expect(Errno.of(failure) == Errno.ECONNRESET, "Errno reads it as ECONNRESET");
        }
    }

    private static void checkResetOnWrite(final ServerSocketChannel server, final InetSocketAddress address,
        final boolean gathering) throws Exception
    {
        try (Socket client = new Socket(address.getAddress(), address.getPort());
            SocketChannel accepted = accept(server))
        {
            client.setSoLinger(true, 0);
            client.close();
            final ByteBuffer[] pair = {ByteBuffer.allocateDirect(512), ByteBuffer.allocateDirect(512)};
            final IOException failure = firstFailure(() ->
            {
                pair[0].clear();
                pair[1].clear();
                if (gathering)
                {
                    accepted.write(pair, 0, 2);
                }
                else
                {
                    accepted.write(pair[0]);
                }
            });
            expect(failure != null && (Errno.of(failure) == Errno.ECONNRESET || Errno.of(failure) == Errno.EPIPE),
                "a " + (gathering ? "gathering " : "") + "write to a reset peer fails with the JDK's text: " + failure);
        }
    }

    private static IOException firstFailure(final IoStep step)
    {
        final long end = System.nanoTime() + DEADLINE_NS;
        while (System.nanoTime() < end)
        {
            try
            {
                step.run();
            }
            catch (final IOException ex)
            {
                return ex;
            }
        }
        return null;
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

    private static void expect(final boolean holds, final String what)
    {
        if (!holds)
        {
            throw new AssertionError("failed: " + what);
        }
    }

    /** One read or write that may fail. */
    private interface IoStep
    {
        void run() throws IOException;
    }
}
