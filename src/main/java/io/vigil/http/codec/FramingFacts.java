package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * What the fields of one head say about its framing and connection: Content-Length, Transfer-Encoding and
 * chunked, Host count, Connection tokens, Upgrade, Expect: 100-continue, Keep-Alive timeout. Fed one known field
 * at a time by {@link FieldLines}; {@link #verdict} then refuses the combinations RFC 9112 says a recipient must
 * reject, so a forwarded message can only be read one way.
 */
final class FramingFacts
{
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

    void reset()
    {
        contentLength = HttpHead.NO_LENGTH;
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

    void transferEncoding(final ByteBuffer buffer, final int value, final int valueEnd)
    {
        transferEncoding = true;
        // fields combine into one list: the last field's last coding decides
        chunked = HttpChars.lastListTokenIs(buffer, value, valueEnd, "chunked");
        chunkedCount += HttpChars.countListToken(buffer, value, valueEnd, "chunked");
    }

    void host()
    {
        hostCount++;
    }

    void upgrade()
    {
        upgrade = true;
    }

    void keepAlive(final ByteBuffer buffer, final int value, final int valueEnd)
    {
        keepAliveTimeoutSec = HttpChars.parameterInt(buffer, value, valueEnd, "timeout");
    }

    void expect(final ByteBuffer buffer, final int value, final int valueEnd)
    {
        expectContinue |= HttpChars.equalsIgnoreCase(buffer, value, valueEnd, "100-continue");
    }

    void connection(final ByteBuffer buffer, final int value, final int valueEnd)
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

    /**
     * @return {@link HttpStatus#OK}, or {@link HttpStatus#BAD_REQUEST} for a value that is not one length (or a
     *         list of identical lengths), or that differs from an earlier Content-Length.
     */
    HttpStatus contentLength(final ByteBuffer buffer, final int value, final int valueEnd)
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
            if (contentLength != HttpHead.NO_LENGTH && contentLength != length)
            {
                return HttpStatus.BAD_REQUEST;
            }
            contentLength = length;
            i = end + 1;
        }
        return HttpStatus.OK;
    }

    /**
     * @param request      whether the head is a request.
     * @param versionMinor 0 for HTTP/1.0, 1 for HTTP/1.1.
     * @return {@link HttpStatus#OK}, or {@link HttpStatus#BAD_REQUEST} when the framing could be read two ways.
     */
    HttpStatus verdict(final boolean request, final int versionMinor)
    {
        if (transferEncoding && contentLength != HttpHead.NO_LENGTH)
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

    long contentLength()
    {
        return contentLength;
    }

    boolean chunked()
    {
        return chunked;
    }

    boolean transferEncoding()
    {
        return transferEncoding;
    }

    boolean connectionClose()
    {
        return connectionClose;
    }

    boolean connectionKeepAlive()
    {
        return connectionKeepAlive;
    }

    boolean connectionNamesFields()
    {
        return connectionNamesFields;
    }

    boolean upgradeRequested()
    {
        return connectionUpgrade && upgrade;
    }

    boolean expectContinue()
    {
        return expectContinue;
    }

    int keepAliveTimeoutSec()
    {
        return keepAliveTimeoutSec;
    }
}
