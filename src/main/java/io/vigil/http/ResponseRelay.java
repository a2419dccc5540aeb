package io.vigil.http;

import io.vigil.http.codec.BodyFramer;
import io.vigil.http.codec.HeadWriter;
import io.vigil.http.codec.HttpHead;
import io.vigil.http.codec.HttpStatus;
import io.vigil.loop.BufferPool;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.LoopCounters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The response on its way to the client: read from the upstream into one buffer, its head parsed in place (what
 * the client gets instead, and what the head means for the exchange, is {@link ResponseHeads}'s job), its body
 * relayed straight from the upstream buffer as far as the body framer approved it, the queued head and the body in
 * one gathering write. Generated responses (4xx, 5xx) go out the same way. Owned by the connection's loop.
 */
final class ResponseRelay
{
    private final HttpConnection connection;
    private final Exchange ex;
    private final UpstreamLease lease;
    private final BufferPool buffers;
    /** What the client gets as heads: the client-out buffer. */
    final ResponseHeads heads;
    private final GatherWrite gather;
    private final SocketChannel client;
    private final LoopCounters counters;
    private final int fromUpstreamSlot;
    private final int toClientSlot;
    /** Upstream in: {@code [pos, scanned)} approved for the client. */
    ByteBuffer in;
    int pos;
    int end;
    int scanned;
    boolean clientWritable = true;
    /** Whether and when bytes last went to the client: tells retransmission from keepalive. */
    boolean wrote;
    long wroteNs;
    long bytesToClient;

    ResponseRelay(
        final HttpConnection connection, final Exchange ex, final UpstreamLease lease, final HeadWriter headWriter,
        final GatherWrite gather)
    {
        this.connection = connection;
        this.ex = ex;
        this.lease = lease;
        this.buffers = connection.shard().buffers();
        this.heads = new ResponseHeads(connection, ex, lease, headWriter);
        this.gather = gather;
        this.client = connection.clientChannel();
        this.counters = connection.shard().counters();
        final int stats = connection.shard().listener().stats();
        this.fromUpstreamSlot = stats + ListenerCounters.BYTES_FROM_UPSTREAM;
        this.toClientSlot = stats + ListenerCounters.BYTES_TO_CLIENT;
    }

    /**
     * A new exchange: nothing from the upstream yet.
     */
    void reset()
    {
        pos = 0;
        end = 0;
        scanned = 0;
    }

    /**
     * @return true while bytes wait for the client.
     */
    boolean pending()
    {
        return heads.outLen > heads.outPos || ex.responseHeadDone && !ex.tunnelPending && pos < scanned;
    }

    /**
     * @return true when the upstream buffer has room to read into (or can make room).
     */
    boolean hasRoom()
    {
        return in == null || end < in.capacity() || ex.responseHeadDone && pos > 0;
    }

    /**
     * Read what the upstream sent and frame it.
     *
     * @return true when something moved (or the exchange changed course).
     */
    boolean read()
    {
        if (!lease.readable || lease.eof)
        {
            return false;
        }
        if (in == null)
        {
            in = buffers.acquire();
        }
        if (end == in.capacity())
        {
            if (!ex.responseHeadDone || pos == 0)
            {
                return false; // the client has not taken what is here yet
            }
            final int kept = end - pos;
            in.put(0, in, pos, kept);
            scanned -= pos;
            end = kept;
            pos = 0;
        }
        final int room = in.capacity() - end;
        in.limit(in.capacity()).position(end);
        final int n;
        try
        {
            n = lease.channel.read(in);
        }
        catch (final IOException failure)
        {
            final CloseReason reason = CloseReason.of(failure, connection.idleKeepAlive(Side.UPSTREAM));
            if (ex.responseAnyByte)
            {
                connection.close(reason, Side.UPSTREAM);
            }
            else
            {
                lease.failed(reason);
            }
            return true;
        }
        if (n < 0)
        {
            lease.eof = true;
            lease.readable = false;
            onEof();
            return true;
        }
        if (n < room)
        {
            lease.readable = false;
        }
        if (n == 0)
        {
            return false;
        }
        end += n;
        counters.add(fromUpstreamSlot, n);
        lease.lastReadNs = connection.nowNs();
        ex.responseAnyByte = true;
        if (!ex.responseHeadDone)
        {
            parseHead();
        }
        else if (!ex.responseBody.complete())
        {
            advanceBody();
        }
        else
        {
            ex.upstreamReusable = false; // bytes after a complete response: this connection cannot be trusted
        }
        return true;
    }

    private void onEof()
    {
        if (!ex.responseAnyByte)
        {
            lease.failed(CloseReason.EOF); // closed before answering, e.g. a pooled connection's idle-close race
        }
        else if (!ex.responseHeadDone)
        {
            lease.badGateway();
        }
        else
        {
            ex.responseBody.onEof();
            if (!ex.responseBody.complete())
            {
                connection.close(CloseReason.EOF, Side.UPSTREAM); // a truncated body: the client learns by the close
            }
            else
            {
                ex.upstreamReusable = false;
            }
        }
    }

    private void parseHead()
    {
        final HttpHead head = ex.responseHead;
        while (true)
        {
            final int result = head.scan(in, end);
            if (result == HttpHead.NEED_MORE)
            {
                return;
            }
            if (result == HttpHead.ERROR)
            {
                lease.badGateway();
                return;
            }
            final int headEnd = head.headEnd();
            final int course = heads.onHead(in, headEnd);
            if (course == ResponseHeads.FAILED)
            {
                return;
            }
            if (course == ResponseHeads.INTERIM)
            {
                final int rest = end - headEnd;
                in.put(0, in, headEnd, rest);
                end = rest;
                head.reset();
                continue;
            }
            pos = headEnd;
            scanned = headEnd;
            if (course == ResponseHeads.FINAL)
            {
                connection.run.onResponseHead();
                advanceBody();
            }
            return;
        }
    }

    private void advanceBody()
    {
        final int bodyEnd = ex.responseBody.advance(in, scanned, end);
        if (bodyEnd == BodyFramer.INVALID)
        {
            connection.close(CloseReason.PROTOCOL_ERROR, Side.UPSTREAM); // a bad chunk mid-response: nothing is safe
            return;
        }
        scanned = bodyEnd;
    }

    /**
     * Queue a generated response after any interim response still being sent.
     *
     * @return false when it does not fit (only closing is left).
     */
    boolean generate(final HttpStatus answer, final boolean keepAlive)
    {
        if (!heads.generate(answer, keepAlive))
        {
            return false;
        }
        reset();
        return true;
    }

    /**
     * Write what is ready: response head (or generated response) and the approved body.
     *
     * @return true when bytes moved (or the connection closed).
     */
    boolean send()
    {
        if (!clientWritable)
        {
            return false;
        }
        boolean moved = false;
        try
        {
            final boolean writeHead = heads.outPos < heads.outLen;
            final boolean writeBody = ex.responseHeadDone && !ex.tunnelPending && pos < scanned;
            if (writeHead || writeBody)
            {
                final long n = gather.write(client, heads.out, heads.outPos, heads.outLen, in, pos, scanned,
                    writeHead, writeBody);
                if (writeHead)
                {
                    heads.outPos = heads.out.position();
                }
                if (writeBody)
                {
                    pos = in.position();
                }
                GatherWrite.restoreLimits(heads.out, in);
                ex.responseBytes += n;
                counters.add(toClientSlot, n);
                moved = n > 0;
                clientWritable = heads.outPos == heads.outLen && (!writeBody || pos == scanned);
                if (heads.outPos == heads.outLen)
                {
                    heads.outPos = 0;
                    heads.outLen = 0;
                }
            }
        }
        catch (final IOException failure)
        {
            connection.close(CloseReason.of(failure, connection.idleKeepAlive(Side.CLIENT)), Side.CLIENT);
            return true;
        }
        if (moved)
        {
            final long nowNs = connection.nowNs();
            ex.lastClientWriteNs = nowNs;
            wrote = true;
            wroteNs = nowNs;
        }
        if (ex.responseHeadDone && pos == end && end > 0 && scanned == end)
        {
            pos = 0;
            end = 0;
            scanned = 0;
        }
        return moved;
    }

    /**
     * Hand the upstream buffer to the tunnel, forgetting it here.
     *
     * @return the buffer, or null.
     */
    ByteBuffer takeIn()
    {
        final ByteBuffer taken = in;
        in = null;
        return taken;
    }

    /**
     * Give the buffers back.
     */
    void release()
    {
        if (in != null)
        {
            buffers.release(in);
            in = null;
        }
        heads.release();
        reset();
    }
}
