package io.vigil.http;

import io.vigil.http.codec.BodyFramer;
import io.vigil.http.codec.HeadWriter;
import io.vigil.http.codec.HttpHead;
import io.vigil.http.codec.HttpStatus;
import io.vigil.loop.BufferPool;

import java.nio.ByteBuffer;

/**
 * Every head the client gets, held in the client-out buffer until {@link ResponseRelay} sends it: the upstream's
 * response head rewritten (Vigil's own HTTP/1.1 status line, hop-by-hop fields dropped, connection management
 * added), interim responses (100 Continue, 103) as they came, to HTTP/1.1 clients only, and generated responses
 * (4xx, 5xx) after any interim response still being sent. A complete upstream head also sets the exchange's course:
 * a tunnel (101, a CONNECT's 2xx), or a final response with its body framing. Owned by the connection's loop.
 */
final class ResponseHeads
{
    /** {@link #onHead}: the exchange failed (a 502 or a close is under way). */
    static final int FAILED = 0;
    /** {@link #onHead}: an interim response; the final one follows. */
    static final int INTERIM = 1;
    /** {@link #onHead}: the head of a tunnel is queued; the body framer expects nothing. */
    static final int TUNNEL = 2;
    /** {@link #onHead}: the final response's head is queued and its body framed. */
    static final int FINAL = 3;

    private final HttpConnection connection;
    private final Exchange ex;
    private final UpstreamLease lease;
    private final BufferPool buffers;
    private final HeadWriter headWriter;
    /** Client out: {@code [outPos, outLen)} waits to be sent. */
    ByteBuffer out;
    int outPos;
    int outLen;

    ResponseHeads(
        final HttpConnection connection, final Exchange ex, final UpstreamLease lease, final HeadWriter headWriter)
    {
        this.connection = connection;
        this.ex = ex;
        this.lease = lease;
        this.buffers = connection.shard().buffers();
        this.headWriter = headWriter;
    }

    /**
     * The upstream's response head is complete in {@code in[0, headEnd)}: queue what the client gets and set the
     * exchange's course.
     *
     * @param in      the upstream buffer.
     * @param headEnd offset just past the head.
     * @return {@link #FAILED}, {@link #INTERIM}, {@link #TUNNEL} or {@link #FINAL}.
     */
    int onHead(final ByteBuffer in, final int headEnd)
    {
        final HttpHead head = ex.responseHead;
        ex.status = head.status();
        if (ex.status == 101 || ex.connectMethod && ex.status / 100 == 2)
        {
            if (ex.status == 101 && !ex.upgrade)
            {
                lease.badGateway(); // switching protocols nobody asked for
                return FAILED;
            }
            if (!write(in, ex.status == 101, true))
            {
                return FAILED;
            }
            ex.responseBody.none();
            ex.tunnelPending = true;
            return TUNNEL;
        }
        if (ex.status < 200)
        {
            // interim (100 Continue, 103): passed on as it came, except to an HTTP/1.0 client, which must
            // never get one (RFC 9110 §15.2); the final response follows
            if (ex.requestHead.versionMinor() != 0)
            {
                if (!ensureOut(headEnd))
                {
                    return FAILED;
                }
                out.put(outLen, in, 0, headEnd);
                outLen += headEnd;
                ex.responseStarted = true;
            }
            return INTERIM;
        }
        frame();
        ex.clientKeepAlive = connection.run.keepClientAlive();
        ex.upstreamPersist = head.persistent() && !ex.responseBody.endsAtClose();
        return write(in, false, ex.clientKeepAlive) ? FINAL : FAILED;
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

    private boolean write(final ByteBuffer in, final boolean switching, final boolean keepAlive)
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
        outLen += ErrorResponses.write(out, outLen, answer, keepAlive, ex.headRequest);
        return true;
    }

    /**
     * @return true when nothing is queued.
     */
    boolean empty()
    {
        return outLen == 0;
    }

    /**
     * Give the buffer back.
     */
    void release()
    {
        if (out != null)
        {
            buffers.release(out);
            out = null;
        }
        outPos = 0;
        outLen = 0;
    }
}
