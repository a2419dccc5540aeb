package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * Where one message's body ends in the byte stream (RFC 9112 §6.3): nothing, a Content-Length, a chunked body
 * (to its last chunk and trailers) or, for a response without length, the close of the connection. Bytes pass
 * through {@link #advance} once each and are never copied; the caller forwards the range it approves.
 * Not thread safe; one per direction, re-armed for each message.
 */
public final class BodyFramer
{
    /** {@link #advance} result when a chunked body is malformed. */
    public static final int INVALID = ChunkedDecoder.INVALID;

    private static final int NONE = 0;
    private static final int LENGTH = 1;
    private static final int CHUNKED = 2;
    private static final int UNTIL_CLOSE = 3;
    private static final int MAX_TRAILER_BYTES = 8 * 1024;

    private final ChunkedDecoder chunkedDecoder = new ChunkedDecoder(MAX_TRAILER_BYTES);
    private int kind = NONE;
    private long remaining;
    private long lengthSeen;
    private boolean complete = true;

    /** The message has no body. */
    public void none()
    {
        kind = NONE;
        remaining = 0;
        lengthSeen = 0; // else bodyBytes() would report the last message's body
        complete = true;
    }

    /**
     * @param length the Content-Length.
     */
    public void length(final long length)
    {
        kind = LENGTH;
        remaining = length;
        lengthSeen = 0;
        complete = length == 0;
    }

    /** The body is chunked. */
    public void chunked()
    {
        kind = CHUNKED;
        chunkedDecoder.reset();
        complete = false;
    }

    /** The body runs until the sender closes (responses only). */
    public void untilClose()
    {
        kind = UNTIL_CLOSE;
        lengthSeen = 0;
        complete = false;
    }

    /**
     * Follow the body through new bytes {@code [from, to)}.
     *
     * @return the offset where the body ends when it ends in the range, {@code to} when it continues (or ended
     *         exactly there; see {@link #complete()}), or {@link #INVALID}.
     */
    public int advance(final ByteBuffer buffer, final int from, final int to)
    {
        if (complete)
        {
            return from;
        }
        switch (kind)
        {
            case LENGTH:
            {
                final int n = (int)Math.min(remaining, to - from);
                remaining -= n;
                lengthSeen += n;
                complete = remaining == 0;
                return from + n;
            }
            case CHUNKED:
            {
                final int end = chunkedDecoder.consume(buffer, from, to);
                complete = end != INVALID && chunkedDecoder.done();
                return end;
            }
            case UNTIL_CLOSE:
                lengthSeen += to - from;
                return to;
            default:
                complete = true;
                return from;
        }
    }

    /**
     * The sender closed: that ends a body that runs until close.
     */
    public void onEof()
    {
        if (kind == UNTIL_CLOSE)
        {
            complete = true;
        }
    }

    /**
     * @return true once the whole body has passed (at once for no body).
     */
    public boolean complete()
    {
        return complete;
    }

    /**
     * @return true for a body delimited by the connection's close.
     */
    public boolean endsAtClose()
    {
        return kind == UNTIL_CLOSE;
    }

    /**
     * @return body bytes seen so far (decoded size for chunked), for client-max-body-size.
     */
    public long bodyBytes()
    {
        return kind == CHUNKED ? chunkedDecoder.dataBytes() : lengthSeen;
    }
}
