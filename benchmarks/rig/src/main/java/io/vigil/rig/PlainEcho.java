package io.vigil.rig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A plain echo upstream ({@code vigil-bench echo --plain}): every byte comes back as it came, and the client's FIN
 * is answered with a close once everything read has been written back. One thread, one Selector, one shared read
 * buffer; a connection gets a buffer of its own only while the kernel will not take its echo, and reading from it
 * stops until that is written. Thousands of connections cost no buffer memory while they keep up. The client's
 * FIN is answered with a close, not a half-close: a relay must carry every echoed byte to the client before it.
 */
final class PlainEcho extends SelectorServer
{
    private static final int BUFFER = 64 * 1024;

    private final ByteBuffer shared = ByteBuffer.allocateDirect(BUFFER);

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
        super(listen, "vigil-bench-plain-echo", "vigil-bench echo --plain");
        start();
    }

    @Override
    void selectOnce() throws IOException
    {
        selector.select(this::onSelected, 1000);
    }

    @Override
    void onAccepted(final SocketChannel channel) throws IOException
    {
        channel.register(selector, SelectionKey.OP_READ);
    }

    @Override
    void onReady(final SelectionKey key) throws IOException
    {
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
}
