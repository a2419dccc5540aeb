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

    private static final int MAX_LEADING_EMPTY_LINES = 4;

    private final boolean request;
    private final int maxRequestLine;
    private final int maxHead;
    private final int[] fields = new int[MAX_FIELDS * 4];
    private final byte[] kinds = new byte[MAX_FIELDS];

    private int scanPos;
    private int lineStart;
    private int firstLineEnd = -1;
    private int firstStart;
    private int firstEnd;
    private int headEnd;
    private HttpStatus error = HttpStatus.OK;

    private int fieldCount;
    private int versionMinor;
    private HttpMethod method;
    private int methodEnd;
    private int targetStart;
    private int targetEnd;
    private int status;
    private long contentLength;
    private boolean transferEncoding;
    private boolean chunked;
    private int chunkedCount;
    private int hostCount;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private boolean connectionUpgrade;
    private boolean connectionNamesFields;
    private boolean upgrade;
    private boolean expectContinue;
    private int keepAliveTimeoutSec;

    /**
     * @param request        true to parse requests, false for responses.
     * @param maxRequestLine longest request line (or status line) accepted (nginx: 8k).
     * @param maxHead        longest head accepted, blank line included (nginx: 32k).
     */
    public HttpHead(final boolean request, final int maxRequestLine, final int maxHead)
    {
        this.request = request;
        this.maxRequestLine = maxRequestLine;
        this.maxHead = maxHead;
        reset();
    }

    /**
     * Forget the last message; the next scan starts at offset 0.
     */
    public void reset()
    {
        scanPos = 0;
        lineStart = 0;
        firstLineEnd = -1;
        firstStart = 0;
        firstEnd = 0;
        headEnd = 0;
        error = HttpStatus.OK;
        fieldCount = 0;
        versionMinor = 0;
        method = null;
        methodEnd = 0;
        targetStart = 0;
        targetEnd = 0;
        status = 0;
        contentLength = NO_LENGTH;
        transferEncoding = false;
        chunked = false;
        chunkedCount = 0;
        hostCount = 0;
        connectionClose = false;
        connectionKeepAlive = false;
        connectionUpgrade = false;
        connectionNamesFields = false;
        upgrade = false;
        expectContinue = false;
        keepAliveTimeoutSec = 0;
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
        int pos = scanPos;
        while (pos < limit)
        {
            final int lf = HttpChars.indexOfLf(buffer, pos, limit);
            if (lf == limit)
            {
                pos = limit;
                break;
            }
            pos = lf + 1;
            final int lineEnd = lf; // the LF; a CR before it is part of the terminator
            final boolean empty = lineEnd == lineStart || lineEnd == lineStart + 1 && buffer.get(lineStart) == '\r';
            if (firstLineEnd < 0)
            {
                if (empty && lineStart < MAX_LEADING_EMPTY_LINES * 2)
                {
                    lineStart = pos; // RFC 9112 §2.2: ignore empty lines before the request line
                    continue;
                }
                if (lineEnd - lineStart > maxRequestLine)
                {
                    return startLineTooLong();
                }
                firstStart = lineStart; // after the empty lines skipped, not after any CR: a bare CR is no line end
                firstLineEnd = lineEnd;
            }
            else if (empty)
            {
                if (pos > maxHead)
                {
                    // the limit holds for a head that arrived whole in one read too
                    return fail(request ? HttpStatus.HEADERS_TOO_LARGE : HttpStatus.BAD_REQUEST);
                }
                headEnd = pos;
                scanPos = pos;
                return validate(buffer);
            }
            lineStart = pos;
        }
        scanPos = pos;
        if (firstLineEnd < 0 && limit - lineStart > maxRequestLine)
        {
            return startLineTooLong();
        }
        if (limit > maxHead)
        {
            return fail(request ? HttpStatus.HEADERS_TOO_LARGE : HttpStatus.BAD_REQUEST);
        }
        return NEED_MORE;
    }

    /**
     * The start line passed max-request-line. Leading empty lines count toward max-header-size but not toward the
     * line, so with the two limits close together the head limit may have been passed first: answer for the limit
     * the bytes passed first, as a scan byte by byte would, so the answer does not depend on how they were split.
     */
    private int startLineTooLong()
    {
        if (!request)
        {
            return fail(HttpStatus.BAD_REQUEST);
        }
        return fail(maxHead < lineStart + maxRequestLine ? HttpStatus.HEADERS_TOO_LARGE : HttpStatus.URI_TOO_LONG);
    }

    private int fail(final HttpStatus status)
    {
        error = status;
        return ERROR;
    }

    private int validate(final ByteBuffer buffer)
    {
        firstEnd = trimCr(buffer, firstStart, firstLineEnd);
        final HttpStatus first = request ? requestLine(buffer, firstStart, firstEnd) : statusLine(buffer, firstStart,
            firstEnd);
        if (first != HttpStatus.OK)
        {
            return fail(first);
        }
        int line = firstLineEnd + 1;
        while (true)
        {
            final int lf = HttpChars.indexOfLf(buffer, line, headEnd);
            final int end = trimCr(buffer, line, lf);
            if (end == line)
            {
                break; // the blank line
            }
            final HttpStatus field = field(buffer, line, end);
            if (field != HttpStatus.OK)
            {
                return fail(field);
            }
            line = lf + 1;
        }
        final HttpStatus framing = framing();
        return framing == HttpStatus.OK ? DONE : fail(framing);
    }

    private static int trimCr(final ByteBuffer buffer, final int start, final int lf)
    {
        return lf > start && buffer.get(lf - 1) == '\r' ? lf - 1 : lf;
    }

    private HttpStatus requestLine(final ByteBuffer buffer, final int start, final int end)
    {
        int i = start;
        while (i < end && HttpChars.isTchar(buffer.get(i)))
        {
            i++;
        }
        if (i == start || i >= end || buffer.get(i) != ' ')
        {
            return HttpStatus.BAD_REQUEST;
        }
        methodEnd = i;
        method = HttpMethod.of(buffer, start, i);
        targetStart = ++i;
        while (i < end && HttpChars.isTargetChar(buffer.get(i)))
        {
            i++;
        }
        targetEnd = i;
        if (targetEnd == targetStart || i >= end || buffer.get(i) != ' ')
        {
            return HttpStatus.BAD_REQUEST;
        }
        if (!targetFitsMethod(buffer))
        {
            return HttpStatus.BAD_REQUEST;
        }
        return version(buffer, i + 1, end);
    }

    private boolean targetFitsMethod(final ByteBuffer buffer)
    {
        final byte first = buffer.get(targetStart);
        if (method == HttpMethod.CONNECT)
        {
            return first != '/'; // authority-form host:port
        }
        if (first == '*')
        {
            return method == HttpMethod.OPTIONS && targetEnd - targetStart == 1;
        }
        return first == '/' || HttpChars.startsWithIgnoreCase(buffer, targetStart, targetEnd, "http://") ||
            HttpChars.startsWithIgnoreCase(buffer, targetStart, targetEnd, "https://");
    }

    private HttpStatus version(final ByteBuffer buffer, final int start, final int end)
    {
        // HTTP-name is case-sensitive (RFC 9112 §2.3)
        if (end - start != 8 || !HttpChars.equalsExact(buffer, start, "HTTP/") ||
            buffer.get(start + 6) != '.' || !HttpChars.isDigit(buffer.get(start + 5)) ||
            !HttpChars.isDigit(buffer.get(start + 7)))
        {
            return HttpStatus.BAD_REQUEST;
        }
        final int major = buffer.get(start + 5) - '0';
        final int minor = buffer.get(start + 7) - '0';
        if (major != 1 || minor > 1)
        {
            return HttpStatus.VERSION_NOT_SUPPORTED;
        }
        versionMinor = minor;
        return HttpStatus.OK;
    }

    private HttpStatus statusLine(final ByteBuffer buffer, final int start, final int end)
    {
        if (end - start < 12)
        {
            return HttpStatus.BAD_REQUEST;
        }
        final HttpStatus version = version(buffer, start, start + 8);
        if (version != HttpStatus.OK)
        {
            return HttpStatus.BAD_REQUEST; // a response in another version cannot be relayed
        }
        if (buffer.get(start + 8) != ' ' || !HttpChars.isDigit(buffer.get(start + 9)) ||
            !HttpChars.isDigit(buffer.get(start + 10)) || !HttpChars.isDigit(buffer.get(start + 11)))
        {
            return HttpStatus.BAD_REQUEST;
        }
        status = (buffer.get(start + 9) - '0') * 100 + (buffer.get(start + 10) - '0') * 10 +
            buffer.get(start + 11) - '0';
        if (status < 100 || end > start + 12 && buffer.get(start + 12) != ' ')
        {
            return HttpStatus.BAD_REQUEST;
        }
        for (int i = start + 12; i < end; i++)
        {
            if (!HttpChars.isFieldValueChar(buffer.get(i)))
            {
                return HttpStatus.BAD_REQUEST;
            }
        }
        return HttpStatus.OK;
    }

    private HttpStatus field(final ByteBuffer buffer, final int start, final int end)
    {
        final byte first = buffer.get(start);
        if (first == ' ' || first == '\t')
        {
            return HttpStatus.BAD_REQUEST; // obs-fold
        }
        int colon = start;
        while (colon < end && HttpChars.isTchar(buffer.get(colon)))
        {
            colon++;
        }
        if (colon == start || colon == end || buffer.get(colon) != ':')
        {
            return HttpStatus.BAD_REQUEST; // no name, no colon, or whitespace/other before the colon
        }
        int valueStart = colon + 1;
        int valueEnd = end;
        while (valueStart < valueEnd && HttpChars.isOws(buffer.get(valueStart)))
        {
            valueStart++;
        }
        while (valueEnd > valueStart && HttpChars.isOws(buffer.get(valueEnd - 1)))
        {
            valueEnd--;
        }
        if (!HttpChars.allFieldValueChars(buffer, valueStart, valueEnd))
        {
            return HttpStatus.BAD_REQUEST; // CR, LF, NUL or another control in a value
        }
        if (fieldCount == MAX_FIELDS)
        {
            return request ? HttpStatus.HEADERS_TOO_LARGE : HttpStatus.BAD_REQUEST;
        }
        final int at = fieldCount++ * 4;
        fields[at] = start;
        fields[at + 1] = colon;
        fields[at + 2] = valueStart;
        fields[at + 3] = valueEnd;
        kinds[fieldCount - 1] = FIELD_OTHER;
        return known(buffer, start, colon, valueStart, valueEnd);
    }

    private HttpStatus known(
        final ByteBuffer buffer, final int name, final int colon, final int value, final int valueEnd)
    {
        final int field = fieldCount - 1;
        // by length first: most fields match none of these and cost one switch
        switch (colon - name)
        {
            case 14:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "content-length"))
                {
                    kinds[field] = FIELD_CONTENT_LENGTH;
                    return contentLengthField(buffer, value, valueEnd);
                }
                break;
            case 17:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "transfer-encoding"))
                {
                    kinds[field] = FIELD_TRANSFER_ENCODING;
                    transferEncoding = true;
                    // fields combine into one list: the last field's last coding decides
                    chunked = HttpChars.lastListTokenIs(buffer, value, valueEnd, "chunked");
                    chunkedCount += HttpChars.countListToken(buffer, value, valueEnd, "chunked");
                }
                else if (HttpChars.equalsIgnoreCase(buffer, name, colon, "x-forwarded-proto"))
                {
                    kinds[field] = FIELD_X_FORWARDED;
                }
                break;
            case 4:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "host"))
                {
                    kinds[field] = FIELD_HOST;
                    hostCount++;
                }
                break;
            case 10:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "connection"))
                {
                    kinds[field] = FIELD_CONNECTION;
                    connectionField(buffer, value, valueEnd);
                }
                else if (HttpChars.equalsIgnoreCase(buffer, name, colon, "keep-alive"))
                {
                    kinds[field] = FIELD_HOP_BY_HOP;
                    if (!request)
                    {
                        keepAliveTimeoutSec = HttpChars.parameterInt(buffer, value, valueEnd, "timeout");
                    }
                }
                break;
            case 7:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "upgrade"))
                {
                    kinds[field] = FIELD_UPGRADE;
                    upgrade = true;
                }
                else if (HttpChars.equalsIgnoreCase(buffer, name, colon, "trailer"))
                {
                    kinds[field] = FIELD_HOP_BY_HOP;
                }
                break;
            case 6:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "expect"))
                {
                    expectContinue |= HttpChars.equalsIgnoreCase(buffer, value, valueEnd, "100-continue");
                }
                break;
            case 2:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "te"))
                {
                    kinds[field] = FIELD_HOP_BY_HOP;
                }
                break;
            case 16:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "proxy-connection"))
                {
                    kinds[field] = FIELD_HOP_BY_HOP;
                }
                break;
            case 15:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "x-forwarded-for"))
                {
                    kinds[field] = FIELD_X_FORWARDED_FOR;
                }
                break;
            default:
                break;
        }
        return HttpStatus.OK;
    }

    private void connectionField(final ByteBuffer buffer, final int value, final int valueEnd)
    {
        final int close = HttpChars.countListToken(buffer, value, valueEnd, "close");
        final int keepAlive = HttpChars.countListToken(buffer, value, valueEnd, "keep-alive");
        final int upgradeToken = HttpChars.countListToken(buffer, value, valueEnd, "upgrade");
        connectionClose |= close > 0;
        connectionKeepAlive |= keepAlive > 0;
        connectionUpgrade |= upgradeToken > 0;
        // any other token names a field that is hop-by-hop for this message
        connectionNamesFields |= HttpChars.countListItems(buffer, value, valueEnd) > close + keepAlive + upgradeToken;
    }

    private HttpStatus contentLengthField(final ByteBuffer buffer, final int value, final int valueEnd)
    {
        // a list of identical values is one value (RFC 9110 §8.6); anything else is refused
        int i = value;
        while (i <= valueEnd)
        {
            int end = i;
            while (end < valueEnd && buffer.get(end) != ',')
            {
                end++;
            }
            int s = i;
            int e = end;
            while (s < e && HttpChars.isOws(buffer.get(s)))
            {
                s++;
            }
            while (e > s && HttpChars.isOws(buffer.get(e - 1)))
            {
                e--;
            }
            if (s == e || e - s > 18)
            {
                return HttpStatus.BAD_REQUEST;
            }
            long length = 0;
            for (int d = s; d < e; d++)
            {
                final byte c = buffer.get(d);
                if (!HttpChars.isDigit(c))
                {
                    return HttpStatus.BAD_REQUEST;
                }
                length = length * 10 + (c - '0');
            }
            if (contentLength != NO_LENGTH && contentLength != length)
            {
                return HttpStatus.BAD_REQUEST;
            }
            contentLength = length;
            i = end + 1;
        }
        return HttpStatus.OK;
    }

    private HttpStatus framing()
    {
        if (transferEncoding && contentLength != NO_LENGTH)
        {
            return HttpStatus.BAD_REQUEST; // both: the classic smuggling vector
        }
        if (chunkedCount > 1 || chunkedCount == 1 && !chunked)
        {
            return HttpStatus.BAD_REQUEST; // chunked applied twice, or not as the final coding
        }
        if (request)
        {
            if (transferEncoding && !chunked)
            {
                return HttpStatus.BAD_REQUEST; // a request body must be delimited
            }
            if (transferEncoding && versionMinor == 0)
            {
                return HttpStatus.BAD_REQUEST; // HTTP/1.0 has no transfer codings
            }
            if (versionMinor == 1 && hostCount != 1 || hostCount > 1)
            {
                return HttpStatus.BAD_REQUEST;
            }
        }
        return HttpStatus.OK;
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
        return firstStart;
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
        return kinds[index];
    }

    /**
     * @return whether a Connection field names other fields (anything but close, keep-alive and upgrade).
     */
    public boolean connectionNamesFields()
    {
        return connectionNamesFields;
    }

    /**
     * @return offset just past the blank line: the body (or the next message) starts here.
     */
    public int headEnd()
    {
        return headEnd;
    }

    /**
     * @return 0 for HTTP/1.0, 1 for HTTP/1.1.
     */
    public int versionMinor()
    {
        return versionMinor;
    }

    /**
     * @return the request method ({@link HttpMethod#OTHER} for extension methods; null in responses).
     */
    public HttpMethod method()
    {
        return method;
    }

    /**
     * @return offset of the request target.
     */
    public int targetStart()
    {
        return targetStart;
    }

    /**
     * @return offset just past the request target.
     */
    public int targetEnd()
    {
        return targetEnd;
    }

    /**
     * @return the response status.
     */
    public int status()
    {
        return status;
    }

    /**
     * @return Content-Length, or {@link #NO_LENGTH}.
     */
    public long contentLength()
    {
        return contentLength;
    }

    /**
     * @return true when the body is chunked (Transfer-Encoding ending in chunked).
     */
    public boolean chunked()
    {
        return chunked;
    }

    /**
     * @return true when Transfer-Encoding is present (in a response without chunked last: read until close).
     */
    public boolean transferEncoding()
    {
        return transferEncoding;
    }

    /**
     * @return Connection: close was sent.
     */
    public boolean connectionClose()
    {
        return connectionClose;
    }

    /**
     * @return Connection: keep-alive was sent (what makes an HTTP/1.0 connection persistent).
     */
    public boolean connectionKeepAlive()
    {
        return connectionKeepAlive;
    }

    /**
     * @return Connection: upgrade and an Upgrade field were both sent.
     */
    public boolean upgradeRequested()
    {
        return connectionUpgrade && upgrade;
    }

    /**
     * @return Expect: 100-continue was sent.
     */
    public boolean expectContinue()
    {
        return expectContinue;
    }

    /**
     * @return the response's Keep-Alive: timeout=N, or 0.
     */
    public int keepAliveTimeoutSec()
    {
        return keepAliveTimeoutSec;
    }

    /**
     * @return how many field lines the head has.
     */
    public int fieldCount()
    {
        return fieldCount;
    }

    /**
     * @param index a field line.
     * @return offset of its name.
     */
    public int fieldNameStart(final int index)
    {
        return fields[index * 4];
    }

    /**
     * @param index a field line.
     * @return offset of its colon.
     */
    public int fieldNameEnd(final int index)
    {
        return fields[index * 4 + 1];
    }

    /**
     * @param index a field line.
     * @return offset of its value, leading whitespace skipped.
     */
    public int fieldValueStart(final int index)
    {
        return fields[index * 4 + 2];
    }

    /**
     * @param index a field line.
     * @return offset just past its value, trailing whitespace dropped.
     */
    public int fieldValueEnd(final int index)
    {
        return fields[index * 4 + 3];
    }

    /**
     * @return whether the connection may carry another message after this one (RFC 9112 §9.3); never after an
     *         HTTP/1.0 message with Transfer-Encoding, whose framing is faulty (RFC 9112 §6.1).
     */
    public boolean persistent()
    {
        if (versionMinor == 0 && transferEncoding)
        {
            return false; // the sender may not delimit it as we did: whatever follows cannot be trusted
        }
        return versionMinor == 1 ? !connectionClose : connectionKeepAlive && !connectionClose;
    }
}
