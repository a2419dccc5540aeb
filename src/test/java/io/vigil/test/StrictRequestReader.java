package io.vigil.test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads HTTP/1.1 requests as the strictest origin would (RFC 9112 with every MAY-reject taken): CRLF line ends
 * only, no controls, no obs-fold, no whitespace before a colon, one Content-Length, Transfer-Encoding ending in
 * chunked and never with Content-Length, chunk lines exactly as the grammar says. What a proxy forwards must pass
 * this reader, so anything it refuses is a {@link Violation}: proof that the proxy let something through that
 * another parser could read differently. Not thread safe; one per connection.
 */
public final class StrictRequestReader
{
    /** The bytes broke the grammar. */
    public static final class Violation extends IOException
    {
        private static final long serialVersionUID = 1L;

        Violation(final String message)
        {
            super(message);
        }
    }

    /**
     * A parsed request head.
     *
     * @param method       the method.
     * @param target       the request target.
     * @param versionMinor 0 or 1.
     * @param fields       the header fields in order, each {name, value}.
     */
    public record Head(String method, String target, int versionMinor, List<String[]> fields)
    {
        /**
         * @param name a field name, any case.
         * @return the first value of that field, or null.
         */
        public String field(final String name)
        {
            for (final String[] field : fields)
            {
                if (field[0].equalsIgnoreCase(name))
                {
                    return field[1];
                }
            }
            return null;
        }

        /**
         * @param name a field name, any case.
         * @return how many times it occurs.
         */
        public int count(final String name)
        {
            int count = 0;
            for (final String[] field : fields)
            {
                count += field[0].equalsIgnoreCase(name) ? 1 : 0;
            }
            return count;
        }

        /**
         * @param name a query parameter.
         * @return its value in the target, or null.
         */
        public String query(final String name)
        {
            final int q = target.indexOf('?');
            if (q < 0)
            {
                return null;
            }
            for (final String pair : target.substring(q + 1).split("&"))
            {
                if (pair.startsWith(name + "="))
                {
                    return pair.substring(name.length() + 1);
                }
            }
            return null;
        }

        /**
         * @return true when a body follows (chunked, or a Content-Length above 0).
         */
        public boolean hasBody()
        {
            return field("transfer-encoding") != null || field("content-length") != null &&
                Long.parseLong(field("content-length")) > 0;
        }
    }

    private static final int MAX_LINE = 64 * 1024;
    private static final long MAX_BODY = 16L * 1024 * 1024;

    private final InputStream in;
    private final List<String> trailers = new ArrayList<>();

    /**
     * @param in the connection's input, buffered.
     */
    public StrictRequestReader(final InputStream in)
    {
        this.in = in;
    }

    /**
     * @return the next head, or null when the connection ended cleanly before one.
     * @throws Violation   when the bytes break the grammar.
     * @throws EOFException when the connection ended inside a head.
     * @throws IOException when reading fails.
     */
    public Head readHead() throws IOException
    {
        final String requestLine = line(true);
        if (requestLine == null)
        {
            return null;
        }
        final String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || !isToken(parts[0]) || parts[1].isEmpty() || !visible(parts[1]))
        {
            throw new Violation("request line: " + requestLine);
        }
        if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0"))
        {
            throw new Violation("version: " + requestLine);
        }
        final List<String[]> fields = new ArrayList<>();
        String line;
        while (!(line = line(false)).isEmpty())
        {
            fields.add(field(line));
        }
        final Head head = new Head(parts[0], parts[1], parts[2].charAt(7) - '0', fields);
        try
        {
            framing(head);
        }
        catch (final Violation ex)
        {
            throw new Violation(ex.getMessage() + " (in " + head.method() + " " + head.target() + ")");
        }
        return head;
    }

    /**
     * @param head the head just read.
     * @return the body, de-chunked.
     * @throws Violation   when the body breaks the grammar.
     * @throws EOFException when the connection ended inside the body.
     * @throws IOException when reading fails.
     */
    public byte[] readBody(final Head head) throws IOException
    {
        trailers.clear();
        if (head.field("transfer-encoding") != null)
        {
            return chunked();
        }
        final String length = head.field("content-length");
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (length != null)
        {
            exactly(Long.parseLong(length), body);
        }
        return body.toByteArray();
    }

    /**
     * @return the trailer field lines of the last chunked body.
     */
    public List<String> trailers()
    {
        return trailers;
    }

    private static void framing(final Head head) throws Violation
    {
        final String te = head.field("transfer-encoding");
        final String cl = head.field("content-length");
        if (head.count("content-length") > 1 || head.count("transfer-encoding") > 1)
        {
            throw new Violation("framing field repeated");
        }
        if (te != null && cl != null)
        {
            throw new Violation("both Content-Length and Transfer-Encoding");
        }
        if (te != null && (head.versionMinor() == 0 || !te.toLowerCase(Locale.ROOT).equals("chunked")))
        {
            throw new Violation("Transfer-Encoding: " + te);
        }
        if (cl != null && (cl.isEmpty() || cl.length() > 18 || !cl.chars().allMatch(c -> c >= '0' && c <= '9')))
        {
            throw new Violation("Content-Length: " + cl);
        }
        if (head.versionMinor() == 1 && head.count("host") != 1 || head.count("host") > 1)
        {
            throw new Violation("Host fields: " + head.count("host"));
        }
    }

    private static String[] field(final String line) throws Violation
    {
        final int colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.substring(0, colon)))
        {
            throw new Violation("field line: " + line);
        }
        final String value = line.substring(colon + 1).strip();
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f)
            {
                throw new Violation("control in field value: " + line);
            }
        }
        return new String[] {line.substring(0, colon), value};
    }

    private byte[] chunked() throws IOException
    {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true)
        {
            final String sizeLine = line(false);
            final long size = chunkSize(sizeLine);
            if (size == 0)
            {
                String line;
                while (!(line = line(false)).isEmpty())
                {
                    field(line);
                    trailers.add(line);
                }
                return body.toByteArray();
            }
            exactly(size, body);
            if (next() != '\r' || next() != '\n')
            {
                throw new Violation("chunk data not followed by CRLF");
            }
        }
    }

    private static long chunkSize(final String line) throws Violation
    {
        int digits = 0;
        while (digits < line.length() && Character.digit(line.charAt(digits), 16) >= 0)
        {
            digits++;
        }
        int zeros = 0;
        while (zeros < digits - 1 && line.charAt(zeros) == '0')
        {
            zeros++;
        }
        if (digits == 0 || digits - zeros > 15)
        {
            throw new Violation("chunk size: " + line);
        }
        final String extensions = line.substring(digits);
        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-value ] ), values token or quoted-string
        if (!extensions.matches("([ \\t]*;[ \\t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+" +
            "([ \\t]*=[ \\t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+|\"([^\"\\\\\\x00-\\x08\\x0a-\\x1f\\x7f]|\\\\.)*\"))?)*"))
        {
            throw new Violation("chunk extension: " + line);
        }
        return Long.parseLong(line.substring(zeros, digits), 16);
    }

    /**
     * Read {@code length} bytes into {@code body} piece by piece: a proxy may pass on a large declared size and
     * then cut the body off (client-max-body-size), which must read as an incomplete body, not a violation.
     */
    private void exactly(final long length, final ByteArrayOutputStream body) throws IOException
    {
        final byte[] piece = new byte[8192];
        long left = length;
        while (left > 0)
        {
            final int n = in.read(piece, 0, (int)Math.min(piece.length, left));
            if (n < 0)
            {
                throw new EOFException("body ended " + left + " bytes short of " + length);
            }
            if (body.size() + n > MAX_BODY)
            {
                throw new Violation("body beyond " + MAX_BODY + " bytes");
            }
            body.write(piece, 0, n);
            left -= n;
        }
    }

    /**
     * @param first the request line: a clean EOF before its first byte returns null.
     */
    private String line(final boolean first) throws IOException
    {
        final StringBuilder line = new StringBuilder();
        while (true)
        {
            final int b = in.read();
            if (b < 0)
            {
                if (first && line.length() == 0)
                {
                    return null;
                }
                throw new EOFException("connection ended inside a line: " + line);
            }
            if (b == '\r')
            {
                if (next() != '\n')
                {
                    throw new Violation("bare CR after: " + line);
                }
                return line.toString();
            }
            if (b == '\n')
            {
                throw new Violation("bare LF after: " + line);
            }
            if (b == 0)
            {
                throw new Violation("NUL after: " + line);
            }
            if (line.length() == MAX_LINE)
            {
                throw new Violation("line longer than " + MAX_LINE);
            }
            line.append((char)b);
        }
    }

    /** @return the next byte; the end of the stream inside a message is an incomplete message, not a violation. */
    private int next() throws IOException
    {
        final int b = in.read();
        if (b < 0)
        {
            throw new EOFException("connection ended inside a message");
        }
        return b;
    }

    private static boolean isToken(final String text)
    {
        return !text.isEmpty() && text.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) ||
            "!#$%&'*+-.^_`|~".indexOf(c) >= 0));
    }

    private static boolean visible(final String text)
    {
        return text.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }
}
