package io.vigil.http;

import io.vigil.loop.BufferPool;
import io.vigil.session.CloseReason;
import io.vigil.net.SocketTuning;
import io.vigil.session.Flow;
import io.vigil.session.Side;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * An HTTP connection after 101 Switching Protocols or a CONNECT's 2xx: a byte relay between the client and the
 * upstream, as in tcp mode. It starts with whatever was already buffered on either side (bytes the client sent
 * after its request, bytes the upstream sent after its response head). Owned by the session's loop.
 */
final class HttpTunnel
{
    private final BufferPool buffers;
    private final Flow toUpstream = new Flow();
    private final Flow toClient = new Flow();
    private final SocketTuning clientTuning;
    private final SocketTuning upstreamTuning;
    private CloseReason endReason;
    private Side endSide;
    /** Whose FIN came first: the side a normal end is logged with. */
    private Side firstFin;
    private long lastActivityNs;

    /**
     * @param buffers           the loop's buffers (the tunnel takes ownership of the two given ones).
     * @param client            the client socket.
     * @param upstream          the upstream socket.
     * @param clientTuning   the client side's options (keepalive decides what an ETIMEDOUT means).
     * @param upstreamTuning the upstream side's.
     */
    HttpTunnel(
        final BufferPool buffers,
        final SocketChannel client,
        final SocketChannel upstream,
        final SocketTuning clientTuning,
        final SocketTuning upstreamTuning)
    {
        this.buffers = buffers;
        this.clientTuning = clientTuning;
        this.upstreamTuning = upstreamTuning;
        toUpstream.src = client;
        toUpstream.dst = upstream;
        toClient.src = upstream;
        toClient.dst = client;
        toUpstream.readReady = true;
        toClient.readReady = true;
    }

    /**
     * Hand over the bytes already read from the client, and whether it had ended its stream.
     */
    void fromClient(final ByteBuffer buffer, final int head, final int tail, final boolean eof)
    {
        toUpstream.buffer = buffer;
        toUpstream.head = head;
        toUpstream.tail = tail;
        toUpstream.srcEof = eof;
        if (eof)
        {
            firstFin = Side.CLIENT;
        }
    }

    /**
     * Hand over the bytes already read from the upstream, and whether it had ended its stream.
     */
    void fromUpstream(final ByteBuffer buffer, final int head, final int tail, final boolean eof)
    {
        toClient.buffer = buffer;
        toClient.head = head;
        toClient.tail = tail;
        toClient.srcEof = eof;
        if (eof && firstFin == null)
        {
            firstFin = Side.UPSTREAM;
        }
    }

    /**
     * @param clientSide true for the client socket's readiness, false for the upstream's.
     * @param readyOps   the selected operations.
     */
    void onReady(final boolean clientSide, final int readyOps)
    {
        final Flow reading = clientSide ? toUpstream : toClient;
        final Flow writing = clientSide ? toClient : toUpstream;
        reading.readReady |= (readyOps & SelectionKey.OP_READ) != 0;
        writing.writeReady |= (readyOps & SelectionKey.OP_WRITE) != 0;
    }

    /**
     * Move bytes both ways until nothing moves.
     *
     * @param nowNs the loop's clock.
     * @return false when the tunnel ended: both streams finished, or a socket failed; see {@link #endReason()}.
     */
    boolean pump(final long nowNs)
    {
        if (pump(toUpstream, Side.CLIENT, Side.UPSTREAM, nowNs) && pump(toClient, Side.UPSTREAM, Side.CLIENT, nowNs))
        {
            if (toUpstream.finished() && toClient.finished())
            {
                endReason = CloseReason.EOF;
                endSide = firstFin;
                return false;
            }
            return true;
        }
        return false;
    }

    private boolean pump(final Flow flow, final Side srcSide, final Side dstSide, final long nowNs)
    {
        final int result = flow.pump(buffers, nowNs);
        if (result == Flow.SRC_FAILED || result == Flow.DST_FAILED)
        {
            endSide = result == Flow.SRC_FAILED ? srcSide : dstSide;
            endReason = CloseReason.of(flow.failure, idleKeepAlive(endSide, nowNs));
            return false;
        }
        if (result == Flow.MOVED)
        {
            lastActivityNs = nowNs;
            if (firstFin == null && flow.srcEof)
            {
                firstFin = srcSide;
            }
        }
        return true;
    }

    /**
     * @param side  the client or the upstream.
     * @param nowNs the loop's clock.
     * @return keepalive is on for that side and nothing was in flight to it (ETIMEDOUT is then its verdict).
     */
    boolean idleKeepAlive(final Side side, final long nowNs)
    {
        final SocketTuning tuning = side == Side.CLIENT ? clientTuning : upstreamTuning;
        final Flow toward = side == Side.CLIENT ? toClient : toUpstream;
        return tuning.keepAliveEnabled() && !toward.dataInFlight(nowNs, tuning.keepAliveBudgetNs());
    }

    /**
     * @return interest ops for the client socket.
     */
    int clientOps()
    {
        return (toUpstream.wantsRead(buffers.bufferSize()) ? SelectionKey.OP_READ : 0) |
            (toClient.pending() ? SelectionKey.OP_WRITE : 0);
    }

    /**
     * @return interest ops for the upstream socket.
     */
    int upstreamOps()
    {
        return (toClient.wantsRead(buffers.bufferSize()) ? SelectionKey.OP_READ : 0) |
            (toUpstream.pending() ? SelectionKey.OP_WRITE : 0);
    }

    /**
     * @param nowNs the loop's clock, when the tunnel started.
     */
    void started(final long nowNs)
    {
        lastActivityNs = nowNs;
    }

    long lastActivityNs()
    {
        return lastActivityNs;
    }

    CloseReason endReason()
    {
        return endReason;
    }

    Side endSide()
    {
        return endSide;
    }

    long bytesFromClient()
    {
        return toUpstream.bytes;
    }

    long bytesToClient()
    {
        return toClient.bytes;
    }

    /**
     * Give the buffers back (the sockets are the session's to close).
     */
    void release()
    {
        toUpstream.release(buffers);
        toClient.release(buffers);
    }
}
