package io.vigil.proxyproto;

import io.vigil.net.TextAddress;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Reads one PROXY protocol header (HAProxy's doc/proxy-protocol.txt), v1 text or v2 binary, told apart by the
 * first byte, fed in pieces of any size. It consumes exactly the header and never asks for more:
 * {@link #maxRead()} is a lower bound of the header bytes still to come, so a caller that reads no more than that
 * from the socket leaves the client's first payload byte in the kernel. A refusal is final. Not thread safe; one
 * per connection, owned by its loop. Allocates only when the result's address is asked for.
 */
public final class ProxyHeaderParser
{
    /** More header bytes are needed. */
    public static final int NEED_MORE = 0;
    /** The header is complete; the result is ready. */
    public static final int DONE = 1;
    /** Not a valid header: close the connection. */
    public static final int INVALID = 2;

    /** A v1 line is at most this long, CRLF included (the spec's 107). */
    public static final int V1_MAX = 107;
    /** The shortest v1 line, "PROXY UNKNOWN\r\n", and so the most a first read may take. */
    static final int V1_MIN = 15;
    /** The v2 signature, version/command, family and length. */
    static final int V2_FIXED = 16;
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final byte[] V1_PREFIX = {'P', 'R', 'O', 'X', 'Y', ' '};
    /** v1 after "PROXY ": where the source address starts for TCP4/TCP6. */
    private static final int V1_FIELDS = 11;
    private static final int[] V1_MIN_FIELDS_4 = {7, 7, 1, 1};
    private static final int[] V1_MIN_FIELDS_6 = {2, 2, 1, 1};
    private static final int V2_INET_LENGTH = 12;
    private static final int V2_INET6_LENGTH = 36;
    private static final int V2_UNIX_LENGTH = 216;

    /** v1 line, or v2 fixed part plus address block (at most 16 + 36 bytes); TLVs are counted, not kept. */
    private final byte[] head = new byte[V1_MAX];
    private final byte[] source = new byte[16];
    private final byte[] destination = new byte[16];
    private int status = NEED_MORE;
    private int consumed;
    private int version;
    /** v1 TCP4/TCP6: 4 or 6 once the protocol is known; 0 for UNKNOWN. */
    private int v1Family = -1;
    private int v1Spaces;
    private int v1FieldStart = V1_FIELDS;
    /** v2: the header's whole length, once its length field arrived. */
    private int v2Total = -1;
    private int v2Keep;
    private int family;
    private int sourcePort;
    private int destinationPort;

    /**
     * @return {@link #NEED_MORE}, {@link #DONE} or {@link #INVALID}.
     */
    public int status()
    {
        return status;
    }

    /**
     * @return how many bytes the caller may read next without passing the header's end; at least 1 while
     * {@link #NEED_MORE}, 0 otherwise.
     */
    public int maxRead()
    {
        if (status != NEED_MORE)
        {
            return 0;
        }
        if (version == 2)
        {
            return v2Total < 0 ? V2_FIXED - consumed : v2Total - consumed;
        }
        if (consumed < V1_MIN)
        {
            return V1_MIN - consumed; // both versions are at least this long
        }
        if (head[consumed - 1] == '\r')
        {
            return 1;
        }
        if (v1Family <= 0)
        {
            return Math.min(2, V1_MAX - consumed); // UNKNOWN: anything up to CRLF
        }
        final int[] minimum = v1Family == 4 ? V1_MIN_FIELDS_4 : V1_MIN_FIELDS_6;
        int bound = Math.max(0, minimum[v1Spaces] - (consumed - v1FieldStart)) + 2;
        for (int field = v1Spaces + 1; field < minimum.length; field++)
        {
            bound += 1 + minimum[field];
        }
        return Math.min(bound, V1_MAX - consumed);
    }

    /**
     * Consume header bytes from {@code src}, stopping at the header's end (bytes after it stay in {@code src}).
     *
     * @param src bytes read from the client, between position and limit.
     * @return the status after them.
     */
    public int feed(final ByteBuffer src)
    {
        while (status == NEED_MORE && src.hasRemaining())
        {
            status = version == 2 ? v2Byte(src.get()) : v1OrFirstByte(src.get());
        }
        return status;
    }

    /**
     * @return bytes of the header consumed so far (its whole length once {@link #DONE}).
     */
    public int consumed()
    {
        return consumed;
    }

    /**
     * @return 1 or 2 once the first byte told them apart, else 0.
     */
    public int version()
    {
        return version;
    }

    /**
     * @return when {@link #DONE}: 4 or 6 for the address family the header carries; 0 when the socket's own
     * addresses apply (v2 LOCAL, v1 UNKNOWN, v2 UNSPEC or UNIX).
     */
    public int family()
    {
        return family;
    }

    /**
     * @return the client's address from the header, or null when the socket's own applies ({@link #family()} 0).
     */
    public InetSocketAddress sourceAddress()
    {
        return family == 0 ? null : address(source, sourcePort);
    }

    /**
     * @return the address the client connected to, per the header, or null as for {@link #sourceAddress()}.
     */
    public InetSocketAddress destinationAddress()
    {
        return family == 0 ? null : address(destination, destinationPort);
    }

    private InetSocketAddress address(final byte[] bytes, final int port)
    {
        try
        {
            final byte[] copy = new byte[family == 4 ? 4 : 16];
            System.arraycopy(bytes, 0, copy, 0, copy.length);
            return new InetSocketAddress(InetAddress.getByAddress(copy), port);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex); // only for a wrong length, which cannot happen
        }
    }

    private int v1OrFirstByte(final byte b)
    {
        if (consumed == 0)
        {
            if (b == V2_SIGNATURE[0])
            {
                version = 2;
                return v2Byte(b);
            }
            version = 1;
        }
        final int at = consumed;
        head[consumed++] = b;
        if (at < V1_PREFIX.length)
        {
            return b == V1_PREFIX[at] ? NEED_MORE : INVALID;
        }
        if (b == '\n')
        {
            return at > 0 && head[at - 1] == '\r' ? v1Line() : INVALID;
        }
        if (at > 0 && head[at - 1] == '\r' || consumed == V1_MAX || (b < 0x20 && b != '\r') || b > 0x7e)
        {
            return INVALID; // CR not followed by LF, too long, or not text
        }
        if (at == V1_MIN - 1 && !v1Protocol())
        {
            return INVALID;
        }
        if (v1Family > 0 && at >= V1_FIELDS && b == ' ')
        {
            if (at == v1FieldStart || ++v1Spaces > 3)
            {
                return INVALID; // an empty field, or a fifth one
            }
            v1FieldStart = at + 1;
        }
        return NEED_MORE;
    }

    /** At 15 bytes the protocol word is known: TCP4, TCP6 or UNKNOWN. */
    private boolean v1Protocol()
    {
        if (startsWith(6, "UNKNOWN") && (head[13] == ' ' || head[13] == '\r'))
        {
            v1Family = 0;
            return true;
        }
        if (startsWith(6, "TCP4 ") || startsWith(6, "TCP6 "))
        {
            v1Family = head[9] - '0';
            // bytes 11..13 may already hold a space; byte 14 is the caller's to count
            for (int i = V1_FIELDS; i < V1_MIN - 1; i++)
            {
                if (head[i] == ' ')
                {
                    if (i == v1FieldStart || ++v1Spaces > 3)
                    {
                        return false;
                    }
                    v1FieldStart = i + 1;
                }
            }
            return true;
        }
        return false;
    }

    private boolean startsWith(final int offset, final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            if (head[offset + i] != text.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /** A complete v1 line: head[0, consumed) ends in CRLF. */
    private int v1Line()
    {
        if (v1Family < 0 && (consumed < V1_MIN || !v1Protocol()))
        {
            return INVALID; // shorter than "PROXY UNKNOWN\r\n", or no known protocol word
        }
        if (v1Family == 0)
        {
            family = 0;
            return DONE;
        }
        if (v1Spaces != 3)
        {
            return INVALID;
        }
        final int end = consumed - 2;
        final int srcEnd = indexOf(' ', V1_FIELDS, end);
        final int dstEnd = indexOf(' ', srcEnd + 1, end);
        final int sportEnd = indexOf(' ', dstEnd + 1, end);
        final boolean v4 = v1Family == 4;
        final boolean addresses = v4 ?
            TextAddress.ipv4(head, V1_FIELDS, srcEnd, source, 0) &&
                TextAddress.ipv4(head, srcEnd + 1, dstEnd, destination, 0) :
            TextAddress.ipv6(head, V1_FIELDS, srcEnd, source) &&
                TextAddress.ipv6(head, srcEnd + 1, dstEnd, destination);
        sourcePort = TextAddress.port(head, dstEnd + 1, sportEnd);
        destinationPort = TextAddress.port(head, sportEnd + 1, end);
        if (!addresses || sourcePort < 0 || destinationPort < 0)
        {
            return INVALID;
        }
        family = v4 ? 4 : 6;
        return DONE;
    }

    private int indexOf(final char c, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            if (head[i] == c)
            {
                return i;
            }
        }
        return to;
    }

    private int v2Byte(final byte b)
    {
        final int at = consumed++;
        if (at < v2Keep || at < V2_FIXED)
        {
            head[at] = b;
        }
        if (at < V2_SIGNATURE.length)
        {
            return b == V2_SIGNATURE[at] ? NEED_MORE : INVALID;
        }
        if (at == 12)
        {
            return b == 0x20 || b == 0x21 ? NEED_MORE : INVALID; // version 2, command LOCAL or PROXY
        }
        if (at == 13)
        {
            return (b & 0xf0) <= 0x30 && (b & 0x0f) <= 0x02 ? NEED_MORE : INVALID; // family, transport
        }
        if (at == V2_FIXED - 1)
        {
            return v2Length();
        }
        return consumed == v2Total ? v2Done() : NEED_MORE;
    }

    private int v2Length()
    {
        final int length = (head[14] & 0xff) << 8 | head[15] & 0xff;
        v2Total = V2_FIXED + length;
        final boolean proxy = head[12] == 0x21;
        final int addressFamily = head[13] >> 4;
        final int needed = addressFamily == 1 ? V2_INET_LENGTH : addressFamily == 2 ? V2_INET6_LENGTH :
            addressFamily == 3 ? V2_UNIX_LENGTH : 0;
        if (proxy && length < needed)
        {
            return INVALID; // the address block does not fit in the length it announces
        }
        v2Keep = proxy && needed <= V2_INET6_LENGTH ? V2_FIXED + needed : 0;
        return consumed == v2Total ? v2Done() : NEED_MORE;
    }

    private int v2Done()
    {
        final int addressFamily = head[13] >> 4;
        if (head[12] != 0x21 || addressFamily == 0 || addressFamily == 3)
        {
            family = 0; // LOCAL (a health check), UNSPEC or UNIX: the socket's own addresses apply
            return DONE;
        }
        final int length = addressFamily == 1 ? 4 : 16;
        System.arraycopy(head, V2_FIXED, source, 0, length);
        System.arraycopy(head, V2_FIXED + length, destination, 0, length);
        final int ports = V2_FIXED + 2 * length;
        sourcePort = (head[ports] & 0xff) << 8 | head[ports + 1] & 0xff;
        destinationPort = (head[ports + 2] & 0xff) << 8 | head[ports + 3] & 0xff;
        family = addressFamily == 1 ? 4 : 6;
        return DONE;
    }
}
