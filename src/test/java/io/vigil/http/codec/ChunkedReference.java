package io.vigil.http.codec;

import java.math.BigInteger;

/**
 * A second reader of chunked bodies for differential fuzzing of {@link ChunkedDecoder}: written from RFC 9112 §7.1
 * plus Vigil's stricter rules (CRLF only, sizes below 2^60, extensions exactly as §7.1.1's chunk-ext grammar, a
 * chunk-size line of at most {@link ChunkedDecoder#MAX_CHUNK_LINE} bytes before its CRLF, no controls in trailers,
 * trailer lines are field lines, a trailer byte budget), as plain recursive descent with backtracking over a whole
 * array with big-integer sizes.
 * Simple rather than fast; shares no code with the decoder.
 */
final class ChunkedReference
{
    /** {@link Result#end} when the bytes are refused. */
    static final int INVALID = -1;
    /** {@link Result#end} when the bytes so far are a valid beginning of a body. */
    static final int MORE = -2;

    private static final BigInteger MAX_CHUNK = BigInteger.ONE.shiftLeft(60);
    private static final BigInteger SIXTEEN = BigInteger.valueOf(16);

    private final byte[] b;
    private final int to;
    private final int maxTrailerBytes;
    private int i;
    private long data;
    /** Where the chunk-size line being read starts, or -1 outside one. */
    private int lineStart = -1;

    /**
     * @param end       offset just past the body, {@link #INVALID} or {@link #MORE}.
     * @param dataBytes chunk-data bytes seen (meaningless when invalid).
     */
    record Result(int end, long dataBytes)
    {
    }

    /** Thrown inside the reader: the bytes ran out (valid so far) or were refused. */
    private static final class Stop extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        private final int end;

        Stop(final int end)
        {
            super(null, null, false, false);
            this.end = end;
        }
    }

    private ChunkedReference(final byte[] b, final int from, final int to, final int maxTrailerBytes)
    {
        this.b = b;
        this.i = from;
        this.to = to;
        this.maxTrailerBytes = maxTrailerBytes;
    }

    static Result read(final byte[] b, final int from, final int to, final int maxTrailerBytes)
    {
        final ChunkedReference reader = new ChunkedReference(b, from, to, maxTrailerBytes);
        try
        {
            return new Result(reader.body(), reader.data);
        }
        catch (final Stop stop)
        {
            return new Result(stop.end, reader.data);
        }
    }

    private int peek()
    {
        if (i == to)
        {
            throw new Stop(MORE);
        }
        final int c = b[i] & 0xff;
        // a byte of a chunk-size line beyond the bound (its CR aside) is refused, whatever it is
        require(lineStart < 0 || c == '\r' || i - lineStart < ChunkedDecoder.MAX_CHUNK_LINE);
        return c;
    }

    private void require(final boolean ok)
    {
        if (!ok)
        {
            throw new Stop(INVALID);
        }
    }

    private void crlf()
    {
        require(peek() == '\r');
        i++;
        lineStart = -1; // the bound is on the bytes before the CR
        require(peek() == '\n');
        i++;
    }

    private int body()
    {
        while (true)
        {
            final BigInteger size = chunkSizeLine();
            if (size.signum() == 0)
            {
                break;
            }
            long left = size.longValueExact();
            while (left > 0)
            {
                peek(); // at least one byte of data
                final long n = Math.min(left, to - i);
                i += (int)n;
                data += n;
                left -= n;
            }
            crlf();
        }
        int trailerBytes = 0;
        while (peek() != '\r')
        {
            // a trailer field line: token ':' value, then CRLF; every byte but the CRLF counts
            boolean colon = false;
            boolean name = false;
            while (peek() != '\r')
            {
                final int c = peek();
                require(++trailerBytes <= maxTrailerBytes);
                if (colon)
                {
                    require(HeadInvariants.isValueChar(c));
                }
                else if (c == ':')
                {
                    require(name);
                    colon = true;
                }
                else
                {
                    require(HeadInvariants.isTchar(c));
                    name = true;
                }
                i++;
            }
            require(colon);
            crlf();
        }
        crlf();
        return i;
    }

    private BigInteger chunkSizeLine()
    {
        lineStart = i;
        BigInteger size = BigInteger.ZERO;
        int digits = 0;
        while (Character.digit(peek(), 16) >= 0 && peek() < 0x80)
        {
            size = size.multiply(SIXTEEN).add(BigInteger.valueOf(Character.digit(peek(), 16)));
            require(size.compareTo(MAX_CHUNK) < 0);
            digits++;
            i++;
        }
        require(digits > 0);
        // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
        while (true)
        {
            final int beforeBws = i;
            bws();
            if (peek() != ';')
            {
                i = beforeBws; // whitespace only before ';': none may end the line
                break;
            }
            i++;
            bws();
            token();
            final int afterName = i;
            bws();
            if (peek() == '=')
            {
                i++;
                bws();
                if (peek() == '"')
                {
                    quotedString();
                }
                else
                {
                    token();
                }
            }
            else
            {
                i = afterName;
            }
        }
        crlf();
        return size;
    }

    private void bws()
    {
        while (peek() == ' ' || peek() == '\t')
        {
            i++;
        }
    }

    private void token()
    {
        require(HeadInvariants.isTchar(peek()));
        while (HeadInvariants.isTchar(peek()))
        {
            i++;
        }
    }

    /** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4). */
    private void quotedString()
    {
        i++;
        while (true)
        {
            final int c = peek();
            i++;
            if (c == '"')
            {
                return;
            }
            if (c == '\\')
            {
                final int quoted = peek();
                require(quoted == '\t' || quoted == ' ' || quoted >= 0x21 && quoted <= 0x7e || quoted >= 0x80);
                i++;
            }
            else
            {
                require(c == '\t' || c == ' ' || c == 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e ||
                    c >= 0x80);
            }
        }
    }
}
