package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * Follows a chunked body (RFC 9112 §7.1) as its bytes pass through, without buffering it: finds where the
 * message ends (after the last chunk and the trailer section) and refuses what another parser could read
 * differently. Chunk-size and chunk-data lines must end in CRLF (no bare LF here: the next hop might not agree
 * where a chunk ends), sizes are hex without sign or prefix and below 2^60, extensions and trailer fields may
 * not contain controls, and trailer lines must be field lines.
 *
 * <p>Not thread safe; {@link #reset()} for the next message.
 */
public final class ChunkedDecoder
{
    /** {@link #consume} result when the bytes are refused. */
    public static final int INVALID = -1;

    private static final int SIZE_START = 0;
    private static final int SIZE = 1;
    private static final int EXTENSION = 2;
    private static final int SIZE_LF = 3;
    private static final int DATA = 4;
    private static final int DATA_CR = 5;
    private static final int DATA_LF = 6;
    private static final int TRAILER_START = 7;
    private static final int TRAILER_LINE = 8;
    private static final int TRAILER_LF = 9;
    private static final int END_LF = 10;
    private static final int DONE = 11;
    private static final int REFUSED = 12;

    private static final long MAX_CHUNK = 1L << 60;

    private final int maxTrailerBytes;
    private int state;
    private long remaining;
    private long size;
    private int trailerBytes;
    private long dataBytes;
    private boolean trailerColonSeen;
    private boolean trailerNameStarted;

    /**
     * @param maxTrailerBytes the most trailer-section bytes accepted.
     */
    public ChunkedDecoder(final int maxTrailerBytes)
    {
        this.maxTrailerBytes = maxTrailerBytes;
        reset();
    }

    /**
     * Start a new body.
     */
    public void reset()
    {
        state = SIZE_START;
        remaining = 0;
        size = 0;
        trailerBytes = 0;
        dataBytes = 0;
        trailerColonSeen = false;
        trailerNameStarted = false;
    }

    /**
     * @return chunk-data bytes seen so far (the decoded body size).
     */
    public long dataBytes()
    {
        return dataBytes;
    }

    /**
     * @return true once the last chunk and the trailer section have been seen.
     */
    public boolean done()
    {
        return state == DONE;
    }

    /**
     * Follow the body through {@code buffer[from, to)}.
     *
     * @param buffer the bytes (absolute gets; position and limit untouched).
     * @param from   first byte to look at.
     * @param to     one past the last.
     * @return where the body ended (bytes from there belong to the next message) when it ended in this range,
     *         {@code to} when more body is expected, or {@link #INVALID}, also for every call after a refusal.
     */
    public int consume(final ByteBuffer buffer, final int from, final int to)
    {
        int i = from;
        while (i < to)
        {
            if (state == DATA)
            {
                // skip chunk data in one step: it is never looked at
                final int n = (int)Math.min(remaining, to - i);
                remaining -= n;
                dataBytes += n;
                i += n;
                if (remaining == 0)
                {
                    state = DATA_CR;
                }
                continue;
            }
            final byte b = buffer.get(i++);
            if (!step(b))
            {
                state = REFUSED; // for good: bytes after a refused one are never read as a body
                return INVALID;
            }
            if (state == DONE)
            {
                return i;
            }
        }
        return to;
    }

    private boolean step(final byte b)
    {
        switch (state)
        {
            case SIZE_START:
            case SIZE:
                final int digit = HttpChars.hexDigit(b);
                if (digit >= 0)
                {
                    // checked before multiplying: 16 hex digits would wrap a long negative and stall or rewind
                    if (size >= MAX_CHUNK >> 4)
                    {
                        return false;
                    }
                    size = (size << 4) | digit;
                    state = SIZE;
                    return true;
                }
                if (state == SIZE_START)
                {
                    return false; // no digits
                }
                if (b == ';' || b == ' ' || b == '\t')
                {
                    state = EXTENSION;
                    return true;
                }
                if (b == '\r')
                {
                    state = SIZE_LF;
                    return true;
                }
                return false;
            case EXTENSION:
                if (b == '\r')
                {
                    state = SIZE_LF;
                    return true;
                }
                return HttpChars.isFieldValueChar(b);
            case SIZE_LF:
                if (b != '\n')
                {
                    return false;
                }
                if (size == 0)
                {
                    state = TRAILER_START;
                }
                else
                {
                    remaining = size;
                    state = DATA;
                }
                size = 0;
                return true;
            case DATA_CR:
                state = DATA_LF;
                return b == '\r';
            case DATA_LF:
                state = SIZE_START;
                return b == '\n';
            case TRAILER_START:
                if (b == '\r')
                {
                    state = END_LF;
                    return true;
                }
                trailerNameStarted = false;
                trailerColonSeen = false;
                state = TRAILER_LINE;
                return trailerByte(b);
            case TRAILER_LINE:
                if (b == '\r')
                {
                    state = TRAILER_LF;
                    return trailerColonSeen;
                }
                return trailerByte(b);
            case TRAILER_LF:
                state = TRAILER_START;
                return b == '\n';
            case END_LF:
                state = DONE;
                return b == '\n';
            default:
                return false;
        }
    }

    private boolean trailerByte(final byte b)
    {
        if (++trailerBytes > maxTrailerBytes)
        {
            return false;
        }
        if (!trailerColonSeen)
        {
            if (b == ':')
            {
                trailerColonSeen = trailerNameStarted;
                return trailerNameStarted;
            }
            trailerNameStarted = true;
            return HttpChars.isTchar(b); // no obs-fold, no whitespace before the colon
        }
        return HttpChars.isFieldValueChar(b);
    }
}
