package io.vigil.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * What the kernel socket layer's check programs (run on the newer JDK by {@link KernelCheckRun}) share: a failed
 * expectation, and a connected loopback pair made the way Vigil makes them (non-blocking, the layer has no blocking
 * mode).
 */
final class KernelChecks
{
    private KernelChecks()
    {
    }

    /**
     * @param holds whether the expectation holds.
     * @param what  the expectation, for the failure's message.
     */
    static void expect(final boolean holds, final String what)
    {
        if (!holds)
        {
            throw new AssertionError("failed: " + what);
        }
    }

    /**
     * Binds {@code server} to loopback, connects {@code client} to it, and accepts.
     *
     * @param server     an unbound server socket.
     * @param client     an unconnected socket.
     * @param deadlineNs {@code System.nanoTime()} by which the pair must be connected.
     * @return the accepted end, non-blocking.
     * @throws IOException from the sockets.
     */
    static SocketChannel connectedPair(final ServerSocketChannel server, final SocketChannel client,
        final long deadlineNs) throws IOException
    {
        server.configureBlocking(false);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client.configureBlocking(false);
        client.connect(server.getLocalAddress());
        SocketChannel accepted = null;
        while (accepted == null || !client.finishConnect())
        {
            expect(System.nanoTime() < deadlineNs, "connected before the deadline");
            accepted = accepted == null ? server.accept() : accepted;
        }
        accepted.configureBlocking(false);
        return accepted;
    }
}
