package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * Writes the head Vigil forwards, from a parsed head, into a send buffer: the start line and the end-to-end
 * fields copied as they came (name and value bytes untouched), hop-by-hop fields dropped (RFC 9110 §7.6.1:
 * Connection and every field it names, Keep-Alive, Proxy-Connection, TE, Trailer, and Upgrade unless the
 * connection is switching), then Vigil's own connection management and forwarding fields. Allocates nothing.
 * One per session; not thread safe.
 */
public final class HeadWriter
{
    /** Returned when the head does not fit the buffer. */
    public static final int NO_ROOM = -1;

    private ByteBuffer out;
    private int pos;
    private boolean overflow;

    /**
     * The request head for the upstream.
     *
     * @param in               the request's bytes.
     * @param head             the parsed request.
     * @param target           where to write, from offset 0.
     * @param upgrade          the client asked to switch protocols: keep Upgrade and say Connection: upgrade.
     * @param upstreamPersist  the upstream connection may be reused afterwards (else Connection: close).
     * @param xForwardedFor    the client address for X-Forwarded-For, or null to add no X-Forwarded-* fields.
     * @param forwardedFor     the client address as an RFC 7239 node, or null to add no Forwarded field.
     * @return bytes written, or {@link #NO_ROOM}.
     */
    public int request(
        final ByteBuffer in,
        final HttpHead head,
        final ByteBuffer target,
        final boolean upgrade,
        final boolean upstreamPersist,
        final byte[] xForwardedFor,
        final byte[] forwardedFor)
    {
        begin(target, 0);
        copy(in, head.startLineStart(), head.startLineEnd());
        crlf();
        for (int i = 0; i < head.fieldCount(); i++)
        {
            if (hopByHop(in, head, i, upgrade) || xForwardedFor != null &&
                (head.fieldKind(i) == HttpHead.FIELD_X_FORWARDED_FOR ||
                    head.fieldKind(i) == HttpHead.FIELD_X_FORWARDED))
            {
                continue;
            }
            copyField(in, head, i);
        }
        contentLength(head);
        if (xForwardedFor != null)
        {
            // nginx's $proxy_add_x_forwarded_for: the earlier hops' list, then this client
            ascii("X-Forwarded-For: ");
            for (int i = 0; i < head.fieldCount(); i++)
            {
                if (head.fieldKind(i) == HttpHead.FIELD_X_FORWARDED_FOR &&
                    head.fieldValueEnd(i) > head.fieldValueStart(i))
                {
                    copy(in, head.fieldValueStart(i), head.fieldValueEnd(i));
                    ascii(", ");
                }
            }
            bytes(xForwardedFor);
            crlf();
            ascii("X-Forwarded-Proto: http\r\n");
        }
        if (forwardedFor != null)
        {
            ascii("Forwarded: for=");
            bytes(forwardedFor);
            ascii(";proto=http\r\n");
        }
        if (upgrade)
        {
            ascii("Connection: upgrade\r\n");
        }
        else if (!upstreamPersist)
        {
            ascii("Connection: close\r\n");
        }
        else if (head.versionMinor() == 0)
        {
            ascii("Connection: keep-alive\r\n"); // HTTP/1.0 is not persistent unless asked
        }
        crlf();
        return overflow ? NO_ROOM : pos;
    }

    /**
     * The response head for the client.
     *
     * @param in         the response's bytes.
     * @param head       the parsed response.
     * @param target     where to write.
     * @param offset     where in target to start (after an interim response still being sent).
     * @param switching  101 to an upgrade: keep Upgrade and say Connection: upgrade.
     * @param keepAlive  the client connection stays open after this response.
     * @param client10   the client spoke HTTP/1.0 (persistence must be announced).
     * @return the offset just past the head, or {@link #NO_ROOM}.
     */
    public int response(
        final ByteBuffer in,
        final HttpHead head,
        final ByteBuffer target,
        final int offset,
        final boolean switching,
        final boolean keepAlive,
        final boolean client10)
    {
        begin(target, offset);
        // an intermediary sends its own version (RFC 9110 §6.2): an HTTP/1.0 server's "200 OK" must not make
        // an HTTP/1.1 client think the connection ends after it
        ascii("HTTP/1.1");
        copy(in, head.startLineStart() + "HTTP/1.x".length(), head.startLineEnd());
        crlf();
        for (int i = 0; i < head.fieldCount(); i++)
        {
            if (!hopByHop(in, head, i, switching))
            {
                copyField(in, head, i);
            }
        }
        contentLength(head);
        if (switching)
        {
            ascii("Connection: upgrade\r\n");
        }
        else if (!keepAlive)
        {
            ascii("Connection: close\r\n");
        }
        else if (client10)
        {
            ascii("Connection: keep-alive\r\n");
        }
        crlf();
        return overflow ? NO_ROOM : pos;
    }

    /**
     * Whether field {@code i} is left out of the forwarded head. Content-Length is always left out here (the
     * writer adds its own, see {@link #contentLength}); Transfer-Encoding and Host are always kept, whatever
     * Connection names: a sender that lists them must not make the next hop read the body, or the target,
     * differently from Vigil.
     */
    static boolean hopByHop(final ByteBuffer in, final HttpHead head, final int i, final boolean keepUpgrade)
    {
        switch (head.fieldKind(i))
        {
            case HttpHead.FIELD_CONNECTION:
            case HttpHead.FIELD_HOP_BY_HOP:
            case HttpHead.FIELD_CONTENT_LENGTH:
                return true;
            case HttpHead.FIELD_UPGRADE:
                return !keepUpgrade;
            case HttpHead.FIELD_TRANSFER_ENCODING:
            case HttpHead.FIELD_HOST:
                return false;
            default:
                break;
        }
        if (!head.connectionNamesFields())
        {
            return false; // the common case: Connection says only close / keep-alive / upgrade
        }
        for (int c = 0; c < head.fieldCount(); c++)
        {
            if (head.fieldKind(c) == HttpHead.FIELD_CONNECTION && HttpChars.listContainsName(
                in, head.fieldValueStart(c), head.fieldValueEnd(c), head.fieldNameStart(i), head.fieldNameEnd(i)))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The framing Vigil forwards is the framing Vigil parsed: one Content-Length with the value it counts the
     * body by ("5, 5" becomes "5"), written by Vigil rather than copied.
     */
    private void contentLength(final HttpHead head)
    {
        final long length = head.contentLength();
        if (length != HttpHead.NO_LENGTH)
        {
            ascii("Content-Length: ");
            decimal(length);
            crlf();
        }
    }

    private void decimal(final long value)
    {
        long divisor = 1;
        int digits = 1;
        while (value / divisor >= 10)
        {
            divisor *= 10;
            digits++;
        }
        if (pos + digits > out.capacity())
        {
            overflow = true;
            return;
        }
        for (; divisor > 0; divisor /= 10)
        {
            out.put(pos++, (byte)('0' + value / divisor % 10));
        }
    }

    private void copyField(final ByteBuffer in, final HttpHead head, final int i)
    {
        copy(in, head.fieldNameStart(i), head.fieldNameEnd(i));
        ascii(": ");
        copy(in, head.fieldValueStart(i), head.fieldValueEnd(i));
        crlf();
    }

    private void begin(final ByteBuffer target, final int offset)
    {
        out = target;
        pos = offset;
        overflow = false;
    }

    private void copy(final ByteBuffer in, final int start, final int end)
    {
        final int n = end - start;
        if (pos + n > out.capacity())
        {
            overflow = true;
            return;
        }
        out.put(pos, in, start, n);
        pos += n;
    }

    private void bytes(final byte[] bytes)
    {
        if (pos + bytes.length > out.capacity())
        {
            overflow = true;
            return;
        }
        out.put(pos, bytes);
        pos += bytes.length;
    }

    private void ascii(final String text)
    {
        if (pos + text.length() > out.capacity())
        {
            overflow = true;
            return;
        }
        for (int i = 0; i < text.length(); i++)
        {
            out.put(pos++, (byte)text.charAt(i));
        }
    }

    private void crlf()
    {
        ascii("\r\n");
    }
}
