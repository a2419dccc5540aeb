package io.vigil.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback upstream for tests, one thread per connection (it is a fixture, not the proxy). Modes:
 * {@link Mode#ECHO} writes back what it reads and half-closes on EOF; {@link Mode#HOLD} accepts and never reads,
 * so a proxy writing to it hits backpressure. Each accepted connection is recorded as a {@link Peer}.
 */
public final class TestUpstream implements AutoCloseable
{
    /** What the upstream does with each connection. */
    public enum Mode
    {
        /** Echo bytes back; shut down output on EOF. */
        ECHO,
        /** Never read; keep the socket until closed. */
        HOLD
    }

    /** One accepted connection and what was seen on it. */
    public static final class Peer
    {
        /** The accepted socket. */
        public final Socket socket;
        /** Bytes read from the proxy. */
        public final java.util.concurrent.atomic.AtomicLong bytesRead = new java.util.concurrent.atomic.AtomicLong();
        /** System.nanoTime() when the read side ended (EOF or error), 0 while open. */
        public volatile long endedNs;
        /** How it ended: "eof" or the exception. */
        public volatile String endedBy;

        Peer(final Socket socket)
        {
            this.socket = socket;
        }
    }

    private final ServerSocket server;
    private final Mode mode;
    private final List<Peer> peers = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    /**
     * @param bind address to listen on (port 0 for ephemeral).
     * @param mode what to do with connections.
     * @throws IOException when it cannot listen.
     */
    public TestUpstream(final InetSocketAddress bind, final Mode mode) throws IOException
    {
        this.server = new ServerSocket();
        this.server.setReuseAddress(true);
        this.server.bind(bind, 128);
        this.mode = mode;
        this.acceptor = new Thread(this::acceptLoop, "test-upstream-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /**
     * @param mode what to do with connections.
     * @return an upstream on 127.0.0.1 with an ephemeral port.
     * @throws IOException when it cannot listen.
     */
    public static TestUpstream loopback(final Mode mode) throws IOException
    {
        return new TestUpstream(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), mode);
    }

    /**
     * @return "127.0.0.1:port" for a config's servers list.
     */
    public String hostPort()
    {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /**
     * @return the listening port.
     */
    public int port()
    {
        return server.getLocalPort();
    }

    /**
     * @return accepted connections that carried at least one byte: proxied sessions, not health checks (which
     *         connect and close without sending).
     */
    public int sessions()
    {
        return (int)peers.stream().filter(p -> p.bytesRead.get() > 0).count();
    }

    /**
     * @return connections accepted so far.
     */
    public int accepted()
    {
        return accepted.get();
    }

    /**
     * @return the accepted connections, oldest first.
     */
    public List<Peer> peers()
    {
        return peers;
    }

    private void acceptLoop()
    {
        while (!server.isClosed())
        {
            final Socket socket;
            try
            {
                socket = server.accept();
            }
            catch (final IOException ex)
            {
                return;
            }
            final Peer peer = new Peer(socket);
            peers.add(peer);
            accepted.incrementAndGet();
            if (mode == Mode.ECHO)
            {
                final Thread t = new Thread(() -> echo(peer), "test-upstream-echo");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    private static void echo(final Peer peer)
    {
        final byte[] buffer = new byte[64 * 1024];
        try (Socket socket = peer.socket)
        {
            final InputStream in = socket.getInputStream();
            final OutputStream out = socket.getOutputStream();
            int n;
            while ((n = in.read(buffer)) > 0)
            {
                peer.bytesRead.addAndGet(n);
                out.write(buffer, 0, n);
            }
            peer.endedBy = "eof";
            peer.endedNs = System.nanoTime();
            socket.shutdownOutput();
        }
        catch (final IOException ex)
        {
            peer.endedBy = ex.toString();
            peer.endedNs = System.nanoTime();
        }
    }

    /**
     * Stop accepting (new connections are refused) but keep the connections already accepted.
     *
     * @throws IOException when closing fails.
     */
    public void stopListening() throws IOException
    {
        server.close();
    }

    @Override
    public void close() throws IOException
    {
        server.close();
        for (final Peer peer : peers)
        {
            peer.socket.close();
        }
    }
}
