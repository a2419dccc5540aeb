package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * Follows a chunked body (RFC 9112 §7.1) as its bytes pass through, without buffering it: finds where the
 * message ends (after the last chunk and the trailer section) and refuses what another parser could read
 * differently. Chunk-size and chunk-data lines must end in CRLF (no bare LF here: the next hop might not agree
 * where a chunk ends), sizes are hex without sign or prefix and below 2^60, extensions follow RFC 9112 §7.1.1
 * exactly ({@code *( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )}: Vigil relays chunk lines as
 * they came, so what it accepts reaches the next hop, which may refuse it), a chunk-size line holds at most
 * {@link #MAX_CHUNK_LINE} bytes before its CRLF, and trailer lines must be field lines without controls.
 *
 * <p>Not thread safe; {@link #reset()} for the next message.
 */
public final class ChunkedDecoder
{
    /** {@link #consume} result when the bytes are refused. */
    public static final int INVALID = -1;

    /**
     * The most bytes of one chunk-size line (size and extensions) before its CRLF, as Go's net/http: enough for
     * any extension in use, and a line of extensions never grows without bound.
     */
    public static final int MAX_CHUNK_LINE = 4096;

    // the states of a chunk-size line come first: every byte in a state up to EXT_AFTER_QUOTED counts to its length
    private static final int SIZE_START = 0;
    private static final int SIZE = 1;
    private static final int EXT_BWS = 2;           // BWS after the size or a value: only ';' may follow
    private static final int EXT_NAME_START = 3;    // after ';' (and BWS)
    private static final int EXT_NAME = 4;
    private static final int EXT_AFTER_NAME = 5;    // BWS after a name: '=' or ';'
    private static final int EXT_VALUE_START = 6;   // after '=' (and BWS)
    private static final int EXT_TOKEN = 7;
    private static final int EXT_QUOTED = 8;
    private static final int EXT_QUOTED_PAIR = 9;   // after a backslash inside quotes
    private static final int EXT_AFTER_QUOTED = 10;
    private static final int SIZE_LF = 11;
    private static final int DATA = 12;
    private static final int DATA_CR = 13;
    private static final int DATA_LF = 14;
    private static final int TRAILER_START = 15;
    private static final int TRAILER_LINE = 16;
    private static final int TRAILER_LF = 17;
    private static final int END_LF = 18;
    private static final int DONE = 19;
    private static final int REFUSED = 20;

    private static final long MAX_CHUNK = 1L << 60;

    private final int maxTrailerBytes;
    private int state;
    private long remaining;
    private long size;
    private int trailerBytes;
    private int lineBytes;
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
        lineBytes = 0;
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
        if (state <= EXT_AFTER_QUOTED)
        {
            if (b != '\r' && ++lineBytes > MAX_CHUNK_LINE)
            {
                return false;
            }
            return state <= SIZE ? sizeByte(b) : extensionByte(b);
        }
        switch (state)
        {
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
                lineBytes = 0;
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

    private boolean sizeByte(final byte b)
    {
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
        return afterElement(b, true);
    }

    /** One byte of chunk-ext, RFC 9112 §7.1.1; no trailing whitespace before the CRLF (BWS precedes ';' or '='). */
    private boolean extensionByte(final byte b)
    {
        switch (state)
        {
            case EXT_BWS:
                return HttpChars.isOws(b) || next(b == ';', EXT_NAME_START);
            case EXT_NAME_START:
                return HttpChars.isOws(b) || next(HttpChars.isTchar(b), EXT_NAME);
            case EXT_NAME:
                if (b == '=')
                {
                    state = EXT_VALUE_START;
                    return true;
                }
                return HttpChars.isTchar(b) || afterElement(b, false);
            case EXT_AFTER_NAME:
                return HttpChars.isOws(b) || next(b == ';', EXT_NAME_START) || next(b == '=', EXT_VALUE_START);
            case EXT_VALUE_START:
                return HttpChars.isOws(b) || next(HttpChars.isTchar(b), EXT_TOKEN) || next(b == '"', EXT_QUOTED);
            case EXT_TOKEN:
                return HttpChars.isTchar(b) || afterElement(b, true);
            case EXT_QUOTED:
                if (b == '"')
                {
                    state = EXT_AFTER_QUOTED;
                    return true;
                }
                // qdtext: a field value byte other than '"' and '\\'
                return next(b == '\\', EXT_QUOTED_PAIR) || HttpChars.isFieldValueChar(b);
            case EXT_QUOTED_PAIR:
                state = EXT_QUOTED;
                return HttpChars.isFieldValueChar(b); // HTAB, SP, VCHAR, obs-text
            default: // EXT_AFTER_QUOTED
                return afterElement(b, true);
        }
    }

    /**
     * After the size, a name or a value: ';' starts the next extension, CR ends the line, whitespace is BWS before
     * a ';' (or, after a name, before '=' too).
     */
    private boolean afterElement(final byte b, final boolean valueDone)
    {
        if (HttpChars.isOws(b))
        {
            state = valueDone ? EXT_BWS : EXT_AFTER_NAME;
            return true;
        }
        return next(b == ';', EXT_NAME_START) || next(b == '\r', SIZE_LF);
    }

    /** @return {@code matches}, moving to {@code nextState} when it does. */
    private boolean next(final boolean matches, final int nextState)
    {
        if (matches)
        {
            state = nextState;
        }
        return matches;
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
