package io.vigil.http;

import io.vigil.http.codec.HttpStatus;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The responses Vigil generates itself, encoded once: a short plain-text body, Content-Length, and
 * {@code Connection: close} when the connection ends after it. Writing one copies bytes and allocates nothing.
 */
final class ErrorResponses
{
    private static final HttpStatus[] STATUSES = HttpStatus.values();
    private static final byte[][] KEEP_ALIVE_HEADS = new byte[STATUSES.length][];
    private static final byte[][] CLOSE_HEADS = new byte[STATUSES.length][];
    private static final byte[][] BODIES = new byte[STATUSES.length][];

    static
    {
        for (final HttpStatus status : STATUSES)
        {
            if (status == HttpStatus.OK)
            {
                continue;
            }
            final String body = status.code() + " " + status.reason() + "\n";
            final String head = "HTTP/1.1 " + status.code() + " " + status.reason() + "\r\n" +
                "Server: vigil\r\n" +
                "Content-Type: text/plain\r\n" +
                "Content-Length: " + body.length() + "\r\n";
            KEEP_ALIVE_HEADS[status.ordinal()] = (head + "\r\n").getBytes(StandardCharsets.US_ASCII);
            CLOSE_HEADS[status.ordinal()] = (head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            BODIES[status.ordinal()] = body.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private ErrorResponses()
    {
    }

    /**
     * @return how many bytes {@link #write} writes for these arguments.
     */
    static int length(final HttpStatus status, final boolean keepAlive, final boolean headOnly)
    {
        final byte[] head = keepAlive ? KEEP_ALIVE_HEADS[status.ordinal()] : CLOSE_HEADS[status.ordinal()];
        return head.length + (headOnly ? 0 : BODIES[status.ordinal()].length);
    }

    /**
     * Write a generated response at {@code out[offset..)}; the caller made sure it fits ({@link #length}).
     *
     * @param out       the buffer (absolute puts).
     * @param offset    where to start (after interim responses still being sent).
     * @param status    the status.
     * @param keepAlive false to say Connection: close.
     * @param headOnly  the request was HEAD: no body.
     * @return bytes written.
     */
    static int write(
        final ByteBuffer out, final int offset, final HttpStatus status, final boolean keepAlive,
        final boolean headOnly)
    {
        final byte[] head = keepAlive ? KEEP_ALIVE_HEADS[status.ordinal()] : CLOSE_HEADS[status.ordinal()];
        out.put(offset, head);
        if (headOnly)
        {
            return head.length;
        }
        final byte[] body = BODIES[status.ordinal()];
        out.put(offset + head.length, body);
        return head.length + body.length;
    }
}
