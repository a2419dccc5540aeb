package io.vigil.http;

import io.vigil.http.codec.BodyFramer;
import io.vigil.http.codec.HeadWriter;
import io.vigil.http.codec.HttpStatus;
import io.vigil.loop.BufferPool;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.LoopCounters;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The request on its way to the upstream: the head as Vigil rewrote it (hop-by-hop fields dropped, forwarding
 * fields added) in its own buffer, then the body straight from the client buffer, as far as the body framer
 * approved it, both in one gathering write. A long body streams through the client buffer; once it wrapped, the
 * request can no longer be replayed. Owned by the connection's loop.
 */
final class RequestForwarder
{
    private final HttpConnection connection;
    private final Exchange ex;
    private final ClientInput in;
    private final UpstreamLease lease;
    private final BufferPool buffers;
    private final HeadWriter headWriter;
    private final GatherWrite gather;
    private final LoopCounters counters;
    private final int bytesSlot;
    private final long clientMaxBodySize;
    private ByteBuffer head;
    int headPos;
    int headLen;

    RequestForwarder(
        final HttpConnection connection, final Exchange ex, final ClientInput in, final UpstreamLease lease,
        final HeadWriter headWriter, final GatherWrite gather)
    {
        this.connection = connection;
        this.ex = ex;
        this.in = in;
        this.lease = lease;
        this.buffers = connection.shard().buffers();
        this.headWriter = headWriter;
        this.gather = gather;
        this.counters = connection.shard().counters();
        this.bytesSlot = connection.shard().listener().stats() + ListenerCounters.BYTES_TO_UPSTREAM;
        this.clientMaxBodySize = connection.config().clientMaxBodySize();
    }

    /**
     * Write the request head for the upstream.
     *
     * @param upstreamPersist  the upstream connection may be reused afterwards (else Connection: close).
     * @param xForwardedFor    the client for X-Forwarded-For, or null.
     * @param forwardedFor     the client as an RFC 7239 node, or null.
     * @return false when it does not fit (the caller answers 431).
     */
    boolean writeHead(final boolean upstreamPersist, final byte[] xForwardedFor, final byte[] forwardedFor)
    {
        if (head == null)
        {
            head = buffers.acquire();
        }
        headLen = headWriter.request(in.buf, ex.requestHead, head, ex.upgrade, upstreamPersist, xForwardedFor,
            forwardedFor);
        headPos = 0;
        return headLen != HeadWriter.NO_ROOM;
    }

    /**
     * Let the request framer see newly read body bytes.
     *
     * @return false when the body was refused (and a response or close is under way).
     */
    boolean advanceBody()
    {
        if (ex.requestBody.complete() || in.scanned == in.end)
        {
            return true;
        }
        final int end = ex.requestBody.advance(in.buf, in.scanned, in.end);
        if (end == BodyFramer.INVALID)
        {
            in.scanned = in.end;
            lease.drop(false);
            connection.respondError(HttpStatus.BAD_REQUEST, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return false;
        }
        in.scanned = end;
        if (clientMaxBodySize > 0 && ex.requestBody.bodyBytes() > clientMaxBodySize)
        {
            in.scanned = in.end;
            lease.drop(false);
            connection.respondError(HttpStatus.CONTENT_TOO_LARGE, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return false;
        }
        return true;
    }

    /**
     * @return true while bytes of the request wait to be written.
     */
    boolean pending()
    {
        return !ex.requestAbandoned && (headPos < headLen || in.pos < in.scanned);
    }

    /**
     * Write what is ready: the rest of the head and the approved body.
     *
     * @return true when bytes moved (or the exchange changed course).
     */
    boolean send()
    {
        if (!lease.writable || ex.requestAbandoned)
        {
            return false;
        }
        boolean moved = false;
        try
        {
            final boolean writeHead = headPos < headLen;
            final boolean writeBody = in.pos < in.scanned;
            if (writeHead || writeBody)
            {
                final long n = gather.write(lease.channel, head, headPos, headLen, in.buf, in.pos, in.scanned,
                    writeHead, writeBody);
                if (writeHead)
                {
                    headPos = head.position();
                }
                if (writeBody)
                {
                    in.pos = in.buf.position();
                }
                GatherWrite.restoreLimits(head, in.buf);
                ex.requestBytes += n;
                counters.add(bytesSlot, n);
                moved = n > 0;
                lease.writable = headPos == headLen && in.pos == in.scanned;
            }
        }
        catch (final IOException ex2)
        {
            if (ex.responseAnyByte)
            {
                // it answered before taking the whole request and closed: relay the answer, then close
                ex.requestAbandoned = true;
                ex.upstreamReusable = false;
                return true;
            }
            final CloseReason reason = CloseReason.of(ex2, connection.idleKeepAlive(Side.UPSTREAM));
            // a reused connection dead before answering is sent again on a fresh one, whatever the verdict's kind
            if (lease.retriesOnFresh() || !connection.userTimeouts().onUpstreamWriteFailed(reason))
            {
                lease.failed(reason);
            }
            return true;
        }
        if (moved)
        {
            final long nowNs = connection.nowNs();
            lease.lastWriteNs = nowNs;
            lease.wrote = true;
            lease.wroteNs = nowNs;
        }
        if (headPos == headLen && in.pos == in.scanned)
        {
            if (ex.requestBody.complete())
            {
                if (!ex.requestSent)
                {
                    ex.requestSent = true;
                    ex.requestSentNs = connection.nowNs();
                }
            }
            else if (in.pos == in.end && in.pos > ex.bodyStart)
            {
                // a long body streams through the buffer: start over at 0, the request can no longer be replayed
                // (not before its first byte: a client awaiting 100 Continue has sent the head only, which a stale
                // reused connection's failure can still send again)
                in.pos = 0;
                in.end = 0;
                in.scanned = 0;
                ex.replayable = false;
            }
        }
        return moved;
    }

    /**
     * Send the request again from the start (on a fresh connection).
     */
    void rewind()
    {
        headPos = 0;
        in.pos = ex.bodyStart;
        ex.requestSent = false;
    }

    /**
     * Give the head buffer back.
     */
    void release()
    {
        if (head != null)
        {
            buffers.release(head);
            head = null;
        }
        headPos = 0;
        headLen = 0;
    }
}
