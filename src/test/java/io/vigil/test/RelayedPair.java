package io.vigil.test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * One tcp session through Vigil seen from both ends: a client connected to a listener, and the socket a test's own
 * upstream ({@link ServerSocket}) accepted for it. The accept and both ends' reads wait with a timeout, so a byte
 * Vigil loses fails the test instead of hanging it. Closing closes both.
 *
 * @param client   the client's socket.
 * @param upstream the upstream's socket for the same session.
 */
public record RelayedPair(Socket client, Socket upstream) implements AutoCloseable
{
    /** How long a read on either end waits before it fails. */
    public static final int READ_TIMEOUT_MS = 10_000;

    /**
     * Connect a client to a listener and accept the session's upstream connection.
     *
     * @param listener the listener's address.
     * @param server   the upstream the listener connects to.
     * @return both ends, with read timeouts set.
     * @throws IOException when either end fails.
     */
    public static RelayedPair open(final InetSocketAddress listener, final ServerSocket server) throws IOException
    {
        final Socket client = VigilHarness.connect(listener);
        try
        {
            server.setSoTimeout(READ_TIMEOUT_MS); // a session Vigil never connects fails here, not at the test timeout
            final Socket upstream = server.accept();
            client.setSoTimeout(READ_TIMEOUT_MS);
            upstream.setSoTimeout(READ_TIMEOUT_MS);
            return new RelayedPair(client, upstream);
        }
        catch (final IOException | RuntimeException ex)
        {
            client.close();
            throw ex;
        }
    }

    @Override
    public void close() throws IOException
    {
        try (Socket c = client; Socket u = upstream)
        {
            // both closed, the upstream's close attempted even when the client's throws
        }
    }
}
