package io.vigil.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Vigil with one tcp listener, {@code pub}, relaying to a plain {@link ServerSocket} the test accepts from itself, so
 * it holds both ends of every session ({@link #open}). Closing stops Vigil, then the upstream.
 *
 * @param server the upstream.
 * @param vigil  Vigil, in this JVM.
 */
public record RelayRig(ServerSocket server, VigilHarness vigil) implements AutoCloseable
{
    /**
     * Bind the upstream and start Vigil.
     *
     * @param eventLoops       Vigil's event-loops.
     * @param listenerSettings more HOCON settings of the listener ("half-close = off"), or "".
     * @return the rig.
     * @throws Exception when Vigil does not start.
     */
    public static RelayRig start(final int eventLoops, final String listenerSettings) throws Exception
    {
        final ServerSocket server = new ServerSocket();
        try
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new RelayRig(server, VigilHarness.start("vigil { event-loops = " + eventLoops + ", listeners = [{ " +
                "name = pub, listen = \"127.0.0.1:0\", upstream = up" +
                (listenerSettings.isEmpty() ? "" : ", " + listenerSettings) + " }], upstreams { up { servers = [" +
                "\"127.0.0.1:" + server.getLocalPort() + "\"] } } }"));
        }
        catch (final Exception | Error ex)
        {
            server.close();
            throw ex;
        }
    }

    /**
     * Connect a client to {@code pub} and accept the session's upstream connection.
     *
     * @return both ends, read timeouts set.
     * @throws IOException when either end fails.
     */
    public RelayedPair open() throws IOException
    {
        return RelayedPair.open(vigil.address("pub"), server);
    }

    @Override
    public void close() throws Exception
    {
        try (ServerSocket upstream = server; VigilHarness proxy = vigil)
        {
            // Vigil closed first (resources close in reverse), then the upstream
        }
    }
}
