package io.vigil.http;

import io.vigil.loop.BufferPool;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.LoopCounters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * What the client sent, in one borrowed buffer: {@code [0, pos)} handled, {@code [pos, scanned)} body approved for
 * the upstream, {@code [scanned, end)} read but not yet framed (the rest of a body, or pipelined requests that
 * wait their turn). The buffer is borrowed while bytes wait and given back when empty, so an idle keep-alive
 * connection holds none. Owned by the connection's loop.
 */
final class ClientInput
{
    /** {@link #read} result when the read failed; see {@link #failure}. */
    static final int FAILED = -2;

    private final BufferPool buffers;
    private final SocketChannel channel;
    private final LoopCounters counters;
    private final int bytesSlot;
    ByteBuffer buf;
    int pos;
    int end;
    int scanned;
    boolean readable = true;
    boolean eof;
    long bytes;
    long lastReadNs;
    IOException failure;

    ClientInput(final BufferPool buffers, final SocketChannel channel, final LoopCounters counters, final int stats)
    {
        this.buffers = buffers;
        this.channel = channel;
        this.counters = counters;
        this.bytesSlot = stats + ListenerCounters.BYTES_FROM_CLIENT;
    }

    /**
     * Read what the client sent after {@link #end}.
     *
     * @param nowNs the loop's clock.
     * @return bytes read, -1 at EOF, or {@link #FAILED}.
     */
    int read(final long nowNs)
    {
        if (!readable || eof)
        {
            return 0;
        }
        if (buf == null)
        {
            buf = buffers.acquire();
        }
        final int room = buf.capacity() - end;
        if (room == 0)
        {
            return 0;
        }
        buf.limit(buf.capacity()).position(end);
        final int n;
        try
        {
            n = channel.read(buf);
        }
        catch (final IOException ex)
        {
            failure = ex;
            return FAILED;
        }
        if (n < 0)
        {
            eof = true;
            readable = false;
            return -1;
        }
        if (n < room)
        {
            readable = false; // drained: the selector says when more comes
        }
        end += n;
        bytes += n;
        counters.add(bytesSlot, n);
        lastReadNs = nowNs;
        return n;
    }

    /**
     * @return true when the buffer is full.
     */
    boolean full()
    {
        return buf != null && end == buf.capacity();
    }

    /**
     * Move the unhandled bytes {@code [pos, end)} to the front, so a long body streams through the buffer.
     */
    void compact()
    {
        final int kept = end - pos;
        buf.put(0, buf, pos, kept);
        scanned -= pos;
        end = kept;
        pos = 0;
    }

    /**
     * Drop the finished request: pipelined bytes after {@code from} move to the front and are parsed next.
     *
     * @param from where the next request starts.
     */
    void dropBefore(final int from)
    {
        final int rest = end - from;
        if (rest > 0)
        {
            buf.put(0, buf, from, rest);
        }
        end = rest;
        pos = 0;
        scanned = 0;
        if (end == 0)
        {
            release();
        }
    }

    /**
     * Forget everything read (lingering close drops what the client still sends).
     */
    void discard()
    {
        pos = 0;
        end = 0;
        scanned = 0;
    }

    /**
     * Hand the buffer to someone else (the tunnel), forgetting it here.
     *
     * @return the buffer, or null.
     */
    ByteBuffer take()
    {
        final ByteBuffer taken = buf;
        buf = null;
        discard();
        return taken;
    }

    /**
     * Give the buffer back.
     */
    void release()
    {
        if (buf != null)
        {
            buffers.release(buf);
            buf = null;
        }
        discard();
    }
}
