package io.vigil.test;

import io.vigil.runtime.Reloaded;
import io.vigil.runtime.VigilServer;
import io.vigil.admin.AdminServer;
import io.vigil.config.ConfigLoader;
import io.vigil.config.VigilConfig;
import io.vigil.session.CloseReason;
import io.vigil.session.SessionObserver;
import io.vigil.session.Side;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Vigil running in-process from a HOCON string, with every session's establishment and close recorded and the
 * access log captured.
 */
public final class VigilHarness implements AutoCloseable
{
    /** A recorded session end. */
    public record Closed(String listener, CloseReason reason, Side side, long atNs)
    {
    }

    private final VigilServer server;
    private final AdminServer admin;
    private final List<Closed> closed = new CopyOnWriteArrayList<>();
    private final List<String> established = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream accessLog = new ByteArrayOutputStream();
    private volatile BiConsumer<SocketChannel, SocketChannel> onEstablished = (d, u) -> { };

    private VigilHarness(final VigilConfig config)
    {
        final SessionObserver observer = new SessionObserver()
        {
            @Override
            public void onEstablished(final String listener, final SocketChannel downstream, final SocketChannel up)
            {
                established.add(listener);
                onEstablished.accept(downstream, up);
            }

            @Override
            public void onClosed(final String listener, final CloseReason reason, final Side side)
            {
                closed.add(new Closed(listener, reason, side, System.nanoTime()));
            }
        };
        final OutputStream log = new OutputStream()
        {
            @Override
            public void write(final int b)
            {
                synchronized (accessLog)
                {
                    accessLog.write(b);
                }
            }

            @Override
            public void write(final byte[] b, final int off, final int len)
            {
                synchronized (accessLog)
                {
                    accessLog.write(b, off, len);
                }
            }
        };
        this.server = VigilServer.start(config, observer, log);
        this.admin = config.admin().enabled() ? AdminServer.start(config.admin(), server, "test", null) : null;
    }

    /**
     * @return the admin listener's address (the config must have admin.listen).
     */
    public InetSocketAddress adminAddress()
    {
        if (admin == null)
        {
            throw new IllegalStateException("no admin listener in this config");
        }
        return admin.address();
    }

    /**
     * @param hocon a complete config (root {@code vigil}).
     * @return a running harness.
     */
    public static VigilHarness start(final String hocon)
    {
        return new VigilHarness(ConfigLoader.parse(hocon, "test.conf"));
    }

    /**
     * Reload the running server with another configuration, as SIGHUP would (without the file).
     *
     * @param hocon a complete config (root {@code vigil}).
     * @return what changed.
     */
    public Reloaded reload(final String hocon)
    {
        return server.reload(ConfigLoader.parse(hocon, "reload.conf"));
    }

    /**
     * @param action called on the loop thread with (downstream, upstream) as each session starts relaying.
     */
    public void onEstablished(final BiConsumer<SocketChannel, SocketChannel> action)
    {
        this.onEstablished = action;
    }

    /**
     * @param listener a listener name.
     * @return its bound address.
     */
    public InetSocketAddress address(final String listener)
    {
        return server.boundAddress(listener);
    }

    /**
     * @return the server.
     */
    public VigilServer server()
    {
        return server;
    }

    /**
     * @return sessions closed so far, in order.
     */
    public List<Closed> closed()
    {
        return closed;
    }

    /**
     * @return sessions established so far.
     */
    public int establishedCount()
    {
        return established.size();
    }

    /**
     * @param count  how many closes to wait for.
     * @param within how long to wait.
     * @return the first {@code count} closes.
     */
    public List<Closed> awaitClosed(final int count, final Duration within)
    {
        Await.until(() -> closed.size() >= count, within, count + " session close(s), saw " + closed);
        return closed.subList(0, count);
    }

    /**
     * @return the access log so far.
     */
    public String accessLog()
    {
        synchronized (accessLog)
        {
            return accessLog.toString(StandardCharsets.US_ASCII);
        }
    }

    /**
     * The access log is written by its own thread: wait for a line rather than assume it is there.
     *
     * @param text what the log must contain.
     * @return the log.
     */
    public String awaitAccessLog(final String text)
    {
        Await.until(() -> accessLog().contains(text), Duration.ofSeconds(5), "\"" + text + "\" in access log:\n" +
            accessLog());
        return accessLog();
    }

    @Override
    public void close()
    {
        server.close();
        if (admin != null)
        {
            admin.close();
        }
    }

    /**
     * @param listener a listener name.
     * @return a client whose session has moved one byte there and back (the upstream must echo).
     * @throws IOException when it cannot connect or the byte does not come back.
     */
    public Socket relayingClient(final String listener) throws IOException
    {
        final Socket client = connect(address(listener));
        client.getOutputStream().write(7);
        if (client.getInputStream().read() != 7)
        {
            client.close();
            throw new IOException("session through " + listener + " did not relay");
        }
        return client;
    }

    /**
     * @param address where to connect.
     * @return a blocking client socket.
     * @throws IOException when it cannot connect.
     */
    public static Socket connect(final InetSocketAddress address) throws IOException
    {
        final Socket socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(20_000);
        return socket;
    }
}
