package io.vigil.rig;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 keep-alive GETs of one URL. Responses are framed by Content-Length, chunked or the close; heads up to
 * 64 KiB. A status of 400 or more counts as an error.
 */
final class HttpProtocol implements Protocol
{
    private static final int MAX_HEAD = 64 * 1024;

    private final ByteBuffer request;
    private final boolean headRequest;

    /**
     * @param url    an http:// URL.
     * @param method GET or HEAD.
     */
    HttpProtocol(final URI url, final String method)
    {
        if (!"http".equalsIgnoreCase(url.getScheme()) || url.getHost() == null)
        {
            throw new IllegalArgumentException("--url: expected http://HOST[:PORT]/PATH, got \"" + url + "\"");
        }
        final String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath()) +
            (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        final String host = url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort();
        final byte[] bytes = (method + " " + path + " HTTP/1.1\r\nHost: " + host +
            "\r\nUser-Agent: vigil-bench\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        this.request = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        this.headRequest = "HEAD".equals(method);
    }

    @Override
    public ByteBuffer request()
    {
        return request.asReadOnlyBuffer();
    }

    @Override
    public String name()
    {
        return "http";
    }

    @Override
    public ResponseReader newReader()
    {
        return new Reader(headRequest);
    }

    /** One connection's response parser. */
    static final class Reader implements ResponseReader
    {
        private static final int HEAD = 0;
        private static final int LENGTH = 1;
        private static final int CHUNK_SIZE = 2;
        private static final int CHUNK_DATA = 3;
        private static final int CHUNK_CRLF = 4;
        private static final int TRAILERS = 5;
        private static final int UNTIL_CLOSE = 6;

        private final boolean headRequest;
        private final byte[] line = new byte[MAX_HEAD];
        private int lineLength;
        private int headBytes;
        private int state;
        private long remaining;
        private int status;
        private boolean close;
        private boolean firstLine;
        private boolean chunked;
        private long contentLength;

        Reader(final boolean headRequest)
        {
            this.headRequest = headRequest;
            reset();
        }

        @Override
        public void reset()
        {
            state = HEAD;
            lineLength = 0;
            headBytes = 0;
            status = 0;
            close = false;
            firstLine = true;
            chunked = false;
            contentLength = -1;
        }

        @Override
        public int consume(final ByteBuffer bytes)
        {
            while (bytes.hasRemaining())
            {
                switch (state)
                {
                    case LENGTH, CHUNK_DATA ->
                    {
                        final int n = (int)Math.min(remaining, bytes.remaining());
                        bytes.position(bytes.position() + n);
                        remaining -= n;
                        if (remaining == 0)
                        {
                            if (state == LENGTH)
                            {
                                return DONE;
                            }
                            state = CHUNK_CRLF;
                        }
                    }
                    case UNTIL_CLOSE -> bytes.position(bytes.limit());
                    default ->
                    {
                        final int result = lineByte(bytes.get());
                        if (result != NEED_MORE)
                        {
                            return result;
                        }
                    }
                }
            }
            return NEED_MORE;
        }

        private int lineByte(final byte b)
        {
            if (++headBytes > MAX_HEAD)
            {
                return INVALID;
            }
            if (b != '\n')
            {
                line[lineLength++] = b;
                return NEED_MORE;
            }
            final int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            lineLength = 0;
            // no String per line: the generator must not allocate per response, or its own GC becomes latency
            return switch (state)
            {
                case HEAD -> headLine(length);
                case CHUNK_SIZE -> chunkSize(length);
                case CHUNK_CRLF -> length == 0 ? next(CHUNK_SIZE) : INVALID;
                case TRAILERS -> length == 0 ? DONE : NEED_MORE;
                default -> INVALID;
            };
        }

        private int next(final int nextState)
        {
            state = nextState;
            return NEED_MORE;
        }

        private int headLine(final int length)
        {
            if (firstLine)
            {
                firstLine = false;
                if (length < 12 || !startsWith(length, "http/1.") || !digits(9, 12))
                {
                    return INVALID;
                }
                status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + line[11] - '0';
                close = line[7] == '0';
                return NEED_MORE;
            }
            if (length > 0)
            {
                if (startsWith(length, "content-length:"))
                {
                    contentLength = number(15, length, 10);
                    return contentLength < 0 ? INVALID : NEED_MORE;
                }
                if (startsWith(length, "transfer-encoding:"))
                {
                    chunked = endsWith(length, "chunked");
                }
                else if (startsWith(length, "connection:"))
                {
                    if (contains(length, "close"))
                    {
                        close = true;
                    }
                    else if (contains(length, "keep-alive"))
                    {
                        close = false;
                    }
                }
                return NEED_MORE;
            }
            // end of head
            if (status < 200)
            {
                firstLine = true; // an interim response: the real one follows
                return NEED_MORE;
            }
            headBytes = 0;
            if (headRequest || status == 204 || status == 304)
            {
                return DONE;
            }
            if (chunked)
            {
                return next(CHUNK_SIZE);
            }
            if (contentLength >= 0)
            {
                remaining = contentLength;
                return contentLength == 0 ? DONE : next(LENGTH);
            }
            close = true;
            return next(UNTIL_CLOSE);
        }

        private int chunkSize(final int length)
        {
            int end = 0;
            while (end < length && line[end] != ';')
            {
                end++;
            }
            final long size = number(0, end, 16);
            if (size < 0)
            {
                return INVALID;
            }
            if (size == 0)
            {
                return next(TRAILERS);
            }
            remaining = size;
            return next(CHUNK_DATA);
        }

        private long number(final int from, final int to, final int radix)
        {
            long value = 0;
            boolean any = false;
            for (int i = from; i < to; i++)
            {
                final byte c = line[i];
                if (c == ' ' || c == '\t')
                {
                    continue;
                }
                final int digit = Character.digit(c, radix);
                if (digit < 0 || value > Long.MAX_VALUE / 32)
                {
                    return -1;
                }
                value = value * radix + digit;
                any = true;
            }
            return any ? value : -1;
        }

        private boolean digits(final int from, final int to)
        {
            for (int i = from; i < to; i++)
            {
                if (line[i] < '0' || line[i] > '9')
                {
                    return false;
                }
            }
            return true;
        }

        private boolean startsWith(final int length, final String lowerCase)
        {
            return length >= lowerCase.length() && regionIs(0, lowerCase);
        }

        private boolean endsWith(final int length, final String lowerCase)
        {
            int end = length;
            while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
            {
                end--;
            }
            return end >= lowerCase.length() && regionIs(end - lowerCase.length(), lowerCase);
        }

        private boolean contains(final int length, final String lowerCase)
        {
            for (int i = 0; i + lowerCase.length() <= length; i++)
            {
                if (regionIs(i, lowerCase))
                {
                    return true;
                }
            }
            return false;
        }

        private boolean regionIs(final int at, final String lowerCase)
        {
            for (int i = 0; i < lowerCase.length(); i++)
            {
                int c = line[at + i];
                if (c >= 'A' && c <= 'Z')
                {
                    c += 32;
                }
                if (c != lowerCase.charAt(i))
                {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int onEof()
        {
            return state == UNTIL_CLOSE ? DONE : INVALID;
        }

        @Override
        public boolean ok()
        {
            return status >= 200 && status < 400;
        }

        @Override
        public boolean closeAfter()
        {
            return close;
        }
    }
}
