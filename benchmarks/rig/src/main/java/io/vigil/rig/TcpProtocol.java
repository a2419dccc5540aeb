package io.vigil.rig;

import java.nio.ByteBuffer;

/**
 * The rig's TCP request/response: a request of {@code requestSize} bytes whose first 8 bytes say its own length
 * and the response length wanted (big-endian ints), answered by {@code responseSize} bytes. With equal sizes
 * the response is exactly the request, so any echo server works as the upstream; {@link EchoServer} also
 * honours different sizes.
 */
final class TcpProtocol implements Protocol
{
    /** Bytes of the length header. */
    static final int HEADER = 8;

    private final ByteBuffer request;
    private final int responseSize;

    /**
     * @param requestSize  bytes per request, at least {@link #HEADER}.
     * @param responseSize bytes per response.
     */
    TcpProtocol(final int requestSize, final int responseSize)
    {
        if (requestSize < HEADER)
        {
            throw new IllegalArgumentException("--size must be at least " + HEADER + " bytes");
        }
        this.responseSize = responseSize;
        this.request = ByteBuffer.allocateDirect(requestSize);
        request.putInt(requestSize).putInt(responseSize);
        while (request.hasRemaining())
        {
            request.put((byte)('a' + request.position() % 26));
        }
        request.flip();
    }

    @Override
    public ByteBuffer request()
    {
        return request.asReadOnlyBuffer();
    }

    @Override
    public String name()
    {
        return "tcp";
    }

    @Override
    public ResponseReader newReader()
    {
        return new ResponseReader()
        {
            private int received;

            @Override
            public int consume(final ByteBuffer bytes)
            {
                final int n = bytes.remaining();
                bytes.position(bytes.limit());
                received += n;
                if (received > responseSize)
                {
                    return INVALID;
                }
                return received == responseSize ? DONE : NEED_MORE;
            }

            @Override
            public int onEof()
            {
                return INVALID;
            }

            @Override
            public boolean ok()
            {
                return true;
            }

            @Override
            public boolean closeAfter()
            {
                return false;
            }

            @Override
            public void reset()
            {
                received = 0;
            }
        };
    }
}
