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
 * The response on its way to the client: read from the upstream into one buffer, its head parsed in place and
 * rewritten into the client-out buffer (Vigil's own HTTP/1.1 status line, hop-by-hop fields dropped,
 * connection management added), its body relayed straight from the upstream buffer as far as the body framer
 * approved it, head and body in one gathering write. Interim responses (100 Continue) pass through as they came,
 * to HTTP/1.1 clients only. Generated responses (4xx, 5xx) go out the same way, after any interim response still
 * being sent. Owned by the connection's loop.
 */
final class ResponseRelay
{
    private final HttpConnection connection;
    private final Exchange ex;
    private final UpstreamLease lease;
    private final BufferPool buffers;
    private final HeadWriter headWriter;
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
    /** Client out: response heads and generated responses. */
    private ByteBuffer out;
    int outPos;
    int outLen;
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
        this.headWriter = headWriter;
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
        return outLen > outPos || ex.responseHeadDone && !ex.tunnelPending && pos < scanned;
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
            ex.status = head.status();
            final int headEnd = head.headEnd();
            if (ex.status == 101 || ex.connectMethod && ex.status / 100 == 2)
            {
                if (ex.status == 101 && !ex.upgrade)
                {
                    lease.badGateway(); // switching protocols nobody asked for
                    return;
                }
                if (!writeHead(ex.status == 101, true))
                {
                    return;
                }
                pos = headEnd;
                scanned = headEnd;
                ex.responseBody.none();
                ex.tunnelPending = true;
                return;
            }
            if (ex.status < 200)
            {
                // interim (100 Continue, 103): passed on as it came, except to an HTTP/1.0 client, which must
                // never get one (RFC 9110 §15.2); the final response follows
                if (ex.requestHead.versionMinor() != 0)
                {
                    if (!ensureOut(headEnd))
                    {
                        return;
                    }
                    out.put(outLen, in, 0, headEnd);
                    outLen += headEnd;
                    ex.responseStarted = true;
                }
                final int rest = end - headEnd;
                in.put(0, in, headEnd, rest);
                end = rest;
                head.reset();
                continue;
            }
            frame();
            ex.clientKeepAlive = connection.keepClientAlive();
            ex.upstreamPersist = head.persistent() && !ex.responseBody.endsAtClose();
            if (!writeHead(false, ex.clientKeepAlive))
            {
                return;
            }
            pos = headEnd;
            scanned = headEnd;
            connection.onResponseHead();
            advanceBody();
            return;
        }
    }

    private void frame()
    {
        final HttpHead head = ex.responseHead;
        final BodyFramer body = ex.responseBody;
        if (ex.headRequest || ex.status == 204 || ex.status == 304)
        {
            body.none();
        }
        else if (head.chunked())
        {
            body.chunked();
        }
        else if (head.transferEncoding() || head.contentLength() == HttpHead.NO_LENGTH)
        {
            body.untilClose();
        }
        else
        {
            body.length(head.contentLength());
        }
    }

    private boolean writeHead(final boolean switching, final boolean keepAlive)
    {
        if (!ensureOut(0))
        {
            return false;
        }
        final int headEnd = headWriter.response(in, ex.responseHead, out, outLen, switching, keepAlive,
            ex.requestHead.versionMinor() == 0);
        if (headEnd == HeadWriter.NO_ROOM)
        {
            lease.badGateway();
            return false;
        }
        outLen = headEnd;
        ex.responseHeadDone = true;
        ex.responseStarted = true;
        return true;
    }

    private boolean ensureOut(final int need)
    {
        if (out == null)
        {
            out = buffers.acquire();
        }
        if (outLen + need > out.capacity())
        {
            lease.badGateway();
            return false;
        }
        return true;
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
        if (out == null)
        {
            out = buffers.acquire();
        }
        if (outPos == outLen)
        {
            outPos = 0;
            outLen = 0;
        }
        if (outLen + ErrorResponses.length(answer, keepAlive, ex.headRequest) > out.capacity())
        {
            return false;
        }
        reset();
        outLen += ErrorResponses.write(out, outLen, answer, keepAlive, ex.headRequest);
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
            final boolean writeHead = outPos < outLen;
            final boolean writeBody = ex.responseHeadDone && !ex.tunnelPending && pos < scanned;
            if (writeHead || writeBody)
            {
                final long n = gather.write(client, out, outPos, outLen, in, pos, scanned, writeHead, writeBody);
                if (writeHead)
                {
                    outPos = out.position();
                }
                if (writeBody)
                {
                    pos = in.position();
                }
                GatherWrite.restoreLimits(out, in);
                ex.responseBytes += n;
                counters.add(toClientSlot, n);
                moved = n > 0;
                clientWritable = outPos == outLen && (!writeBody || pos == scanned);
                if (outPos == outLen)
                {
                    outPos = 0;
                    outLen = 0;
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
        if (out != null)
        {
            buffers.release(out);
            out = null;
        }
        outPos = 0;
        outLen = 0;
        reset();
    }
}
