package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * Parses one HTTP/1.1 message head (request or response) in place, RFC 9112, without a String per field.
 *
 * <p>{@link #scan} is called as bytes arrive: it resumes where it stopped, looks for the blank line that ends
 * the head and enforces the size limits (414 for a long request line, 431 for a long head). Once the head is
 * complete it is validated in one pass and its framing facts are exposed: version, method, status,
 * Content-Length, chunked, Connection tokens, Host count, Upgrade, Expect: 100-continue, Keep-Alive timeout, and
 * the offsets of every field line (for removing hop-by-hop fields when forwarding).
 *
 * <p>Everything RFC 9112/9110 say a recipient must reject is refused, so a message Vigil forwards can only be read
 * one way: Content-Length with Transfer-Encoding, invalid or differing Content-Length, a request
 * Transfer-Encoding not ending in chunked, whitespace between field name and colon, obs-fold, CR/LF/NUL or
 * other controls in names or values, a field line without a colon, missing or repeated Host in HTTP/1.1
 * requests, invalid method or target, and versions other than 1.0 and 1.1. A bare LF ends a line (RFC 9112 §2.2
 * allows it); a bare CR does not.
 *
 * <p>The jobs are split: {@link HeadLines} finds the head's lines and enforces the size limits; {@link StartLine}
 * parses the request or status line, {@link FieldLines} checks and classifies the field lines, and
 * {@link FramingFacts} holds what they say about framing and refuses ambiguous combinations. This class runs them
 * over a complete head and answers for it.
 *
 * <p>Not thread safe; one per connection direction, reset with {@link #reset()} for the next message.
 */
public final class HttpHead
{
    /** {@link #scan} result: the head is not complete yet. */
    public static final int NEED_MORE = 0;
    /** {@link #scan} result: the head is complete and valid. */
    public static final int DONE = 1;
    /** {@link #scan} result: the head is refused; see {@link #error()}. */
    public static final int ERROR = 2;

    /** Content-Length absent. */
    public static final long NO_LENGTH = -1;
    /** Most field lines accepted in one head. */
    public static final int MAX_FIELDS = 128;

    /** {@link #fieldKind}: a field Vigil does not treat specially. */
    public static final byte FIELD_OTHER = 0;
    /** {@link #fieldKind}: Connection. */
    public static final byte FIELD_CONNECTION = 1;
    /** {@link #fieldKind}: a hop-by-hop field by name: Keep-Alive, Proxy-Connection, TE or Trailer. */
    public static final byte FIELD_HOP_BY_HOP = 2;
    /** {@link #fieldKind}: Upgrade. */
    public static final byte FIELD_UPGRADE = 3;
    /** {@link #fieldKind}: X-Forwarded-For or X-Forwarded-Proto. */
    public static final byte FIELD_X_FORWARDED = 4;
    /** {@link #fieldKind}: X-Forwarded-For. */
    public static final byte FIELD_X_FORWARDED_FOR = 5;
    /** {@link #fieldKind}: Content-Length; framing, so never removed because Connection names it. */
    public static final byte FIELD_CONTENT_LENGTH = 6;
    /** {@link #fieldKind}: Transfer-Encoding; framing, so never removed because Connection names it. */
    public static final byte FIELD_TRANSFER_ENCODING = 7;
    /** {@link #fieldKind}: Host; never removed because Connection names it. */
    public static final byte FIELD_HOST = 8;

    private final boolean request;
    private final HeadLines lines;
    private final StartLine startLine = new StartLine();
    private final FramingFacts facts = new FramingFacts();
    private final FieldLines fields;

    private int firstEnd;
    private HttpStatus error = HttpStatus.OK;

    /**
     * @param request        true to parse requests, false for responses.
     * @param maxRequestLine longest request line (or status line) accepted (nginx: 8k).
     * @param maxHead        longest head accepted, blank line included (nginx: 32k).
     */
    public HttpHead(final boolean request, final int maxRequestLine, final int maxHead)
    {
        this.request = request;
        this.lines = new HeadLines(request, maxRequestLine, maxHead);
        this.fields = new FieldLines(request, facts);
        reset();
    }

    /**
     * Forget the last message; the next scan starts at offset 0.
     */
    public void reset()
    {
        lines.reset();
        firstEnd = 0;
        error = HttpStatus.OK;
        startLine.reset();
        fields.reset();
        facts.reset();
    }

    /**
     * Look at the bytes from offset 0 up to {@code limit} (earlier calls' bytes included).
     *
     * @param buffer the bytes, read with absolute gets (position and limit untouched).
     * @param limit  how many bytes are valid.
     * @return {@link #NEED_MORE}, {@link #DONE} or {@link #ERROR}.
     */
    public int scan(final ByteBuffer buffer, final int limit)
    {
        final int found = lines.scan(buffer, limit);
        if (found == NEED_MORE)
        {
            return NEED_MORE;
        }
        return found == ERROR ? fail(lines.refusal()) : validate(buffer);
    }

    private int fail(final HttpStatus status)
    {
        error = status;
        return ERROR;
    }

    private int validate(final ByteBuffer buffer)
    {
        final int firstStart = lines.firstStart();
        final int headEnd = lines.headEnd();
        firstEnd = trimCr(buffer, firstStart, lines.firstLineEnd());
        final HttpStatus first = request ? startLine.parseRequest(buffer, firstStart, firstEnd) :
            startLine.parseStatus(buffer, firstStart, firstEnd);
        if (first != HttpStatus.OK)
        {
            return fail(first);
        }
        int line = lines.firstLineEnd() + 1;
        while (true)
        {
            final int lf = HttpChars.indexOfLf(buffer, line, headEnd);
            final int end = trimCr(buffer, line, lf);
            if (end == line)
            {
                break; // the blank line
            }
            final HttpStatus field = fields.add(buffer, line, end);
            if (field != HttpStatus.OK)
            {
                return fail(field);
            }
            line = lf + 1;
        }
        final HttpStatus framing = facts.verdict(request, startLine.versionMinor());
        return framing == HttpStatus.OK ? DONE : fail(framing);
    }

    private static int trimCr(final ByteBuffer buffer, final int start, final int lf)
    {
        return lf > start && buffer.get(lf - 1) == '\r' ? lf - 1 : lf;
    }

    /**
     * @return why the head was refused, or {@link HttpStatus#OK}.
     */
    public HttpStatus error()
    {
        return error;
    }

    /**
     * @return offset of the request line or status line (empty lines before it skipped).
     */
    public int startLineStart()
    {
        return lines.firstStart();
    }

    /**
     * @return offset just past the request line or status line, its CRLF excluded.
     */
    public int startLineEnd()
    {
        return firstEnd;
    }

    /**
     * @param index a field line.
     * @return what Vigil knows its name as: {@link #FIELD_OTHER}, {@link #FIELD_CONNECTION}, ...
     */
    public byte fieldKind(final int index)
    {
        return fields.kind(index);
    }

    /**
     * @return whether a Connection field names other fields (anything but close, keep-alive and upgrade).
     */
    public boolean connectionNamesFields()
    {
        return facts.connectionNamesFields();
    }

    /**
     * @return offset just past the blank line: the body (or the next message) starts here.
     */
    public int headEnd()
    {
        return lines.headEnd();
    }

    /**
     * @return 0 for HTTP/1.0, 1 for HTTP/1.1.
     */
    public int versionMinor()
    {
        return startLine.versionMinor();
    }

    /**
     * @return the request method ({@link HttpMethod#OTHER} for extension methods; null in responses).
     */
    public HttpMethod method()
    {
        return startLine.method();
    }

    /**
     * @return offset of the request target.
     */
    public int targetStart()
    {
        return startLine.targetStart();
    }

    /**
     * @return offset just past the request target.
     */
    public int targetEnd()
    {
        return startLine.targetEnd();
    }

    /**
     * @return the response status.
     */
    public int status()
    {
        return startLine.status();
    }

    /**
     * @return Content-Length, or {@link #NO_LENGTH}.
     */
    public long contentLength()
    {
        return facts.contentLength();
    }

    /**
     * @return true when the body is chunked (Transfer-Encoding ending in chunked).
     */
    public boolean chunked()
    {
        return facts.chunked();
    }

    /**
     * @return true when Transfer-Encoding is present (in a response without chunked last: read until close).
     */
    public boolean transferEncoding()
    {
        return facts.transferEncoding();
    }

    /**
     * @return Connection: close was sent.
     */
    public boolean connectionClose()
    {
        return facts.connectionClose();
    }

    /**
     * @return Connection: keep-alive was sent (what makes an HTTP/1.0 connection persistent).
     */
    public boolean connectionKeepAlive()
    {
        return facts.connectionKeepAlive();
    }

    /**
     * @return Connection: upgrade and an Upgrade field were both sent.
     */
    public boolean upgradeRequested()
    {
        return facts.upgradeRequested();
    }

    /**
     * @return Expect: 100-continue was sent.
     */
    public boolean expectContinue()
    {
        return facts.expectContinue();
    }

    /**
     * @return the response's Keep-Alive: timeout=N, or 0.
     */
    public int keepAliveTimeoutSec()
    {
        return facts.keepAliveTimeoutSec();
    }

    /**
     * @return how many field lines the head has.
     */
    public int fieldCount()
    {
        return fields.count();
    }

    /**
     * @param index a field line.
     * @return offset of its name.
     */
    public int fieldNameStart(final int index)
    {
        return fields.nameStart(index);
    }

    /**
     * @param index a field line.
     * @return offset of its colon.
     */
    public int fieldNameEnd(final int index)
    {
        return fields.nameEnd(index);
    }

    /**
     * @param index a field line.
     * @return offset of its value, leading whitespace skipped.
     */
    public int fieldValueStart(final int index)
    {
        return fields.valueStart(index);
    }

    /**
     * @param index a field line.
     * @return offset just past its value, trailing whitespace dropped.
     */
    public int fieldValueEnd(final int index)
    {
        return fields.valueEnd(index);
    }

    /**
     * @return whether the connection may carry another message after this one (RFC 9112 §9.3); never after an
     *         HTTP/1.0 message with Transfer-Encoding, whose framing is faulty (RFC 9112 §6.1).
     */
    public boolean persistent()
    {
        final int versionMinor = startLine.versionMinor();
        if (versionMinor == 0 && facts.transferEncoding())
        {
            return false; // the sender may not delimit it as we did: whatever follows cannot be trusted
        }
        return versionMinor == 1 ? !facts.connectionClose() : facts.connectionKeepAlive() && !facts.connectionClose();
    }
}
