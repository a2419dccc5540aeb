package io.vigil.rig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A plain echo upstream ({@code vigil-bench echo --plain}): every byte comes back as it came, and the client's FIN
 * is answered with a close once everything read has been written back. One thread, one Selector, one shared read
 * buffer; a connection gets a buffer of its own only while the kernel will not take its echo, and reading from it
 * stops until that is written. Thousands of connections cost no buffer memory while they keep up. The client's
 * FIN is answered with a close, not a half-close: a relay must carry every echoed byte to the client before it.
 */
final class PlainEcho implements AutoCloseable
{
    private static final int BUFFER = 64 * 1024;

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Thread thread;
    private final ByteBuffer shared = ByteBuffer.allocateDirect(BUFFER);
    private volatile boolean closed;

    /** A connection whose echo the kernel did not take whole. */
    private static final class Backlog
    {
        ByteBuffer pending;
    }

    /**
     * @param listen where to listen.
     * @throws IOException when it cannot bind.
     */
    PlainEcho(final InetSocketAddress listen) throws IOException
    {
        selector = Selector.open();
        server = ServerSocketChannel.open();
        server.bind(listen, 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        thread = new Thread(this::run, "vigil-bench-plain-echo");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * @return the bound address.
     * @throws IOException when the socket is closed.
     */
    InetSocketAddress address() throws IOException
    {
        return (InetSocketAddress)server.getLocalAddress();
    }

    /**
     * Serve until the JVM exits.
     *
     * @throws InterruptedException when interrupted.
     */
    void join() throws InterruptedException
    {
        thread.join();
    }

    private void run()
    {
        try
        {
            while (!closed)
            {
                selector.select(this::onSelected, 1000);
            }
        }
        catch (final IOException ex)
        {
            if (!closed)
            {
                System.err.println("vigil-bench echo --plain: " + ex);
            }
        }
    }

    private void onSelected(final SelectionKey key)
    {
        try
        {
            if (key.isAcceptable())
            {
                SocketChannel channel;
                while ((channel = server.accept()) != null)
                {
                    channel.configureBlocking(false);
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    channel.register(selector, SelectionKey.OP_READ);
                }
                return;
            }
            final SocketChannel channel = (SocketChannel)key.channel();
            final Backlog backlog = (Backlog)key.attachment();
            if (backlog != null)
            {
                drain(key, channel, backlog);
            }
            else
            {
                echo(key, channel);
            }
        }
        catch (final IOException ex)
        {
            closeQuietly(key);
        }
    }

    private void echo(final SelectionKey key, final SocketChannel channel) throws IOException
    {
        shared.clear();
        final int n = channel.read(shared);
        if (n < 0)
        {
            closeQuietly(key); // the client's FIN, with nothing left to echo
            return;
        }
        shared.flip();
        channel.write(shared);
        if (shared.hasRemaining())
        {
            final Backlog backlog = new Backlog();
            backlog.pending = ByteBuffer.allocate(BUFFER);
            backlog.pending.put(shared).flip();
            key.attach(backlog);
            key.interestOps(SelectionKey.OP_WRITE);
        }
    }

    private void drain(final SelectionKey key, final SocketChannel channel, final Backlog backlog) throws IOException
    {
        // nothing is read while backed up: the client's next bytes (or FIN) wait in the kernel
        channel.write(backlog.pending);
        if (!backlog.pending.hasRemaining())
        {
            key.attach(null);
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    private static void closeQuietly(final SelectionKey key)
    {
        key.cancel();
        try
        {
            key.channel().close();
        }
        catch (final IOException ex)
        {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException
    {
        closed = true;
        selector.wakeup();
        try
        {
            thread.join(2000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        server.close();
        selector.close();
    }
}
