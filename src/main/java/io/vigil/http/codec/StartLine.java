package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * The first line of a head, parsed once the head is complete: a request line (method, target, version; RFC 9112
 * §3) or a status line (version, status code, reason; §4). Only offsets and small values are kept.
 */
final class StartLine
{
    private int versionMinor;
    private HttpMethod method;
    private int targetStart;
    private int targetEnd;
    private int status;

    void reset()
    {
        versionMinor = 0;
        method = null;
        targetStart = 0;
        targetEnd = 0;
        status = 0;
    }

    /**
     * @return {@link HttpStatus#OK}, or why the request line {@code [start, end)} is refused.
     */
    HttpStatus parseRequest(final ByteBuffer buffer, final int start, final int end)
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

    /**
     * @return {@link HttpStatus#OK}, or {@link HttpStatus#BAD_REQUEST} for a status line {@code [start, end)} that
     *         cannot be relayed.
     */
    HttpStatus parseStatus(final ByteBuffer buffer, final int start, final int end)
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

    int versionMinor()
    {
        return versionMinor;
    }

    HttpMethod method()
    {
        return method;
    }

    int targetStart()
    {
        return targetStart;
    }

    int targetEnd()
    {
        return targetEnd;
    }

    int status()
    {
        return status;
    }
}
