package io.vigil.rig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * What the rig's upstream servers share: one thread, one Selector, a listening socket (backlog 4096) whose
 * connections are accepted non-blocking with TCP_NODELAY, a connection closed when it fails, and a close that stops
 * the thread. A subclass says what a connection does ({@link #onAccepted}, {@link #onReady}) and how the thread
 * waits ({@link #selectOnce}), and calls {@link #start} last in its constructor, once its own fields are set.
 */
abstract class SelectorServer implements AutoCloseable
{
    /** The thread's selector. */
    final Selector selector;
    private final ServerSocketChannel server;
    private final String errorLabel;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param listen     where to listen (port 0 = ephemeral).
     * @param threadName the thread's name.
     * @param errorLabel what names the server in the line printed when its selector fails.
     * @throws IOException when it cannot bind.
     */
    SelectorServer(final InetSocketAddress listen, final String threadName, final String errorLabel)
        throws IOException
    {
        this.errorLabel = errorLabel;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        server.bind(listen, 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
    }

    /** Starts the thread: the last step of a subclass's constructor. */
    final void start()
    {
        thread.start();
    }

    /**
     * @return the bound address.
     */
    final InetSocketAddress address()
    {
        try
        {
            return (InetSocketAddress)server.getLocalAddress();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Serve until the JVM exits.
     *
     * @throws InterruptedException when interrupted.
     */
    final void join() throws InterruptedException
    {
        thread.join();
    }

    /**
     * One wait of the thread: a select that hands each selected key to {@link #onSelected}.
     *
     * @throws IOException when the selector fails.
     */
    abstract void selectOnce() throws IOException;

    /**
     * @param channel a connection just accepted (non-blocking, TCP_NODELAY): register it with {@link #selector}.
     * @throws IOException when it cannot be registered.
     */
    abstract void onAccepted(SocketChannel channel) throws IOException;

    /**
     * @param key a connection's key that is ready.
     * @throws IOException when the connection fails: it is then closed.
     */
    abstract void onReady(SelectionKey key) throws IOException;

    /**
     * Closes a connection (or the listener) after a failure or its end.
     *
     * @param key its key.
     */
    void closeQuietly(final SelectionKey key)
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

    /**
     * The action of {@link #selectOnce}'s select.
     *
     * @param key a selected key.
     */
    final void onSelected(final SelectionKey key)
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
                    onAccepted(channel);
                }
                return;
            }
            onReady(key);
        }
        catch (final IOException ex)
        {
            closeQuietly(key);
        }
    }

    private void run()
    {
        try
        {
            while (!closed)
            {
                selectOnce();
            }
        }
        catch (final IOException ex)
        {
            if (!closed)
            {
                System.err.println(errorLabel + ": " + ex);
            }
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
