package io.vigil.rig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The rig's upstream for {@link TcpProtocol}: reads a request (its first 8 bytes give its length and the response
 * length wanted) and answers with that many bytes, after an optional fixed delay. One thread, one Selector,
 * allocation-free per request. {@link #pause} holds every answer for a while, as a server stall would: the rig's
 * tests use it to show coordinated-omission correction.
 */
final class EchoServer extends SelectorServer
{
    private static final ByteBuffer FILLER = ByteBuffer.allocateDirect(64 * 1024);

    static
    {
        while (FILLER.hasRemaining())
        {
            FILLER.put((byte)('a' + FILLER.position() % 26));
        }
    }

    private final long delayNs;
    private final ArrayDeque<Conn> delayed = new ArrayDeque<>();
    /** Where request bodies are read to be dropped (one thread). */
    private final ByteBuffer discard = ByteBuffer.allocateDirect(64 * 1024);
    private final java.util.Queue<Long> closedAtNs = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile long pausedUntilNs;

    /** One client connection. */
    private static final class Conn
    {
        final SocketChannel channel;
        final ByteBuffer header = ByteBuffer.allocate(TcpProtocol.HEADER);
        final ByteBuffer out = FILLER.duplicate();
        SelectionKey key;
        long requestLeft;
        long responseLeft;
        long answerAtNs;

        Conn(final SocketChannel channel)
        {
            this.channel = channel;
        }
    }

    /**
     * @param listen  where to listen (port 0 = ephemeral).
     * @param delayNs how long to hold each answer.
     * @throws IOException when it cannot bind.
     */
    EchoServer(final InetSocketAddress listen, final long delayNs) throws IOException
    {
        super(listen, "vigil-bench-echo", "vigil-bench echo");
        this.delayNs = delayNs;
        start();
    }

    /**
     * Hold every answer (already due or not) until {@code durationNs} from now.
     *
     * @param durationNs how long.
     */
    void pause(final long durationNs)
    {
        pausedUntilNs = System.nanoTime() + durationNs;
        selector.wakeup();
    }

    /** Answers what is due, then waits for the next due answer, the end of a pause, or traffic. */
    @Override
    void selectOnce() throws IOException
    {
        final long now = System.nanoTime();
        long wakeNs = Long.MAX_VALUE;
        final long pausedUntil = pausedUntilNs;
        if (pausedUntil > now)
        {
            wakeNs = pausedUntil;
        }
        else
        {
            while (!delayed.isEmpty() && delayed.peekFirst().answerAtNs <= now)
            {
                answer(delayed.pollFirst());
            }
            if (!delayed.isEmpty())
            {
                wakeNs = delayed.peekFirst().answerAtNs;
            }
        }
        if (wakeNs == Long.MAX_VALUE)
        {
            selector.select(this::onSelected);
        }
        else
        {
            final long waitMs = TimeUnit.NANOSECONDS.toMillis(wakeNs - System.nanoTime());
            if (waitMs > 0)
            {
                selector.select(this::onSelected, waitMs);
            }
            else
            {
                selector.selectNow(this::onSelected);
            }
        }
    }

    @Override
    void onAccepted(final SocketChannel channel) throws IOException
    {
        final Conn conn = new Conn(channel);
        conn.key = channel.register(selector, SelectionKey.OP_READ, conn);
    }

    @Override
    void onReady(final SelectionKey key) throws IOException
    {
        final Conn conn = (Conn)key.attachment();
        if (key.isWritable())
        {
            writeAnswer(conn);
        }
        if (key.isValid() && key.isReadable())
        {
            read(conn);
        }
    }

    private void read(final Conn conn) throws IOException
    {
        if (conn.responseLeft > 0 || conn.answerAtNs != 0)
        {
            return; // one request at a time: the next waits in the kernel
        }
        if (conn.header.hasRemaining())
        {
            if (conn.channel.read(conn.header) < 0)
            {
                closeQuietly(conn.key);
                return;
            }
            if (conn.header.hasRemaining())
            {
                return;
            }
            final int requestLength = conn.header.getInt(0);
            conn.requestLeft = requestLength - TcpProtocol.HEADER;
            conn.responseLeft = 0;
            if (requestLength < TcpProtocol.HEADER || conn.header.getInt(4) < 0)
            {
                closeQuietly(conn.key);
                return;
            }
        }
        while (conn.requestLeft > 0)
        {
            discard.clear().limit((int)Math.min(discard.capacity(), conn.requestLeft));
            final int n = conn.channel.read(discard);
            if (n < 0)
            {
                closeQuietly(conn.key);
                return;
            }
            if (n == 0)
            {
                return;
            }
            conn.requestLeft -= n;
        }
        final int responseLength = conn.header.getInt(4);
        conn.header.clear();
        conn.responseLeft = responseLength;
        final long now = System.nanoTime();
        if (delayNs > 0 || pausedUntilNs > now)
        {
            conn.answerAtNs = now + delayNs;
            conn.key.interestOps(0);
            delayed.addLast(conn);
        }
        else
        {
            writeAnswer(conn);
        }
    }

    private void answer(final Conn conn)
    {
        conn.answerAtNs = 0;
        if (!conn.key.isValid())
        {
            return;
        }
        try
        {
            writeAnswer(conn);
            if (conn.key.isValid() && conn.responseLeft == 0)
            {
                read(conn); // a request may have arrived meanwhile
            }
        }
        catch (final IOException ex)
        {
            closeQuietly(conn.key);
        }
    }

    private void writeAnswer(final Conn conn) throws IOException
    {
        while (conn.responseLeft > 0)
        {
            final ByteBuffer out = conn.out.clear();
            out.limit((int)Math.min(out.capacity(), conn.responseLeft));
            final int n = conn.channel.write(out);
            conn.responseLeft -= n;
            if (n == 0)
            {
                conn.key.interestOps(SelectionKey.OP_WRITE);
                return;
            }
        }
        conn.key.interestOps(SelectionKey.OP_READ);
    }

    /**
     * @return when each client connection ended by the client's side (EOF or reset), System.nanoTime().
     */
    java.util.List<Long> closedAtNs()
    {
        return java.util.List.copyOf(closedAtNs);
    }

    @Override
    void closeQuietly(final SelectionKey key)
    {
        if (key.channel() instanceof SocketChannel)
        {
            closedAtNs.add(System.nanoTime());
        }
        super.closeQuietly(key);
    }
}
