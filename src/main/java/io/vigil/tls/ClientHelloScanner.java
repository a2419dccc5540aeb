package io.vigil.tls;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Finds the server name (SNI, RFC 6066) in the first bytes a TLS client sends, without terminating TLS: the
 * ClientHello handshake message (RFC 8446 §4.1.2) read through the record layer (§5.1), which may split it
 * across records, as TCP may split records across reads. Incremental: each {@link #scan} call takes the bytes
 * that arrived since the last one and the answer is the same however the stream was cut. It never looks at more
 * than {@code maxBytes} of the stream: past that without an answer it says {@link #TOO_LARGE}. An answer other
 * than {@link #NEED_MORE} is final. The bytes are only read, never changed: all of them go to the upstream.
 *
 * <p>Lengths are hostile: every field must lie inside its enclosing one (record, message, extension block,
 * extension, name list), else the answer is {@link #MALFORMED}. One instance per connection; not thread safe.
 */
public final class ClientHelloScanner
{
    /** More bytes are needed. */
    public static final int NEED_MORE = 0;
    /** A host_name was found: {@link #serverName()}. */
    public static final int SERVER_NAME = 1;
    /** A complete ClientHello without a host_name. */
    public static final int NO_SERVER_NAME = 2;
    /** The first record is not a TLS handshake record (another protocol, or SSLv2). */
    public static final int NOT_TLS = 3;
    /** TLS, but a length or field is not what a ClientHello can be. */
    public static final int MALFORMED = 4;
    /** {@code maxBytes} read without an answer. */
    public static final int TOO_LARGE = 5;

    /** nginx's ssl_preread reads into a 16k preread buffer; a ClientHello, even with post-quantum keys, fits. */
    public static final int DEFAULT_MAX_BYTES = 16 * 1024;

    private static final int RECORD_HEADER = 5;
    private static final int HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int MAX_RECORD = 1 << 14;
    private static final int MAX_NAME = 255;
    /** version (2) + random (32) after the 4-byte handshake header. */
    private static final int FIXED_PART = 4 + 34;
    private static final int EXT_SERVER_NAME = 0;
    private static final int HOST_NAME = 0;

    private static final int AT_HEADER = 0;
    private static final int AT_SESSION_ID = 1;
    private static final int AT_CIPHER_SUITES = 2;
    private static final int AT_COMPRESSION = 3;
    private static final int AT_EXTENSIONS = 4;
    private static final int AT_EXTENSION = 5;

    private final int maxBytes;
    private int result = NEED_MORE;
    private String serverName;
    private int streamBytes;
    private final byte[] recordHeader = new byte[RECORD_HEADER];
    private int recordHeaderFill;
    private int recordLeft;
    private boolean firstRecord = true;
    /** The handshake stream with record headers taken out: the ClientHello so far. */
    private byte[] hello = new byte[512];
    private int helloLength;
    private int stage = AT_HEADER;
    private int cursor;
    private int messageEnd;
    private int extensionsEnd;

    /**
     * @param maxBytes the most stream bytes to look at (record headers included).
     */
    public ClientHelloScanner(final int maxBytes)
    {
        if (maxBytes < RECORD_HEADER)
        {
            throw new IllegalArgumentException("maxBytes " + maxBytes + " < " + RECORD_HEADER);
        }
        this.maxBytes = maxBytes;
    }

    /**
     * Take the bytes that arrived since the last call.
     *
     * @param buffer holds them; read with absolute gets, position and limit untouched.
     * @param from   index of the first new byte.
     * @param to     index after the last new byte.
     * @return the answer so far: {@link #NEED_MORE} or a final one.
     */
    public int scan(final ByteBuffer buffer, final int from, final int to)
    {
        int i = from;
        while (result == NEED_MORE && i < to)
        {
            if (streamBytes == maxBytes)
            {
                result = TOO_LARGE;
                break;
            }
            final int room = Math.min(to - i, maxBytes - streamBytes);
            final int taken = recordHeaderFill < RECORD_HEADER ? takeHeader(buffer, i, room) :
                takePayload(buffer, i, room);
            i += taken;
            streamBytes += taken;
        }
        if (result == NEED_MORE && streamBytes == maxBytes)
        {
            result = TOO_LARGE;
        }
        return result;
    }

    private int takeHeader(final ByteBuffer buffer, final int at, final int room)
    {
        final int n = Math.min(room, RECORD_HEADER - recordHeaderFill);
        for (int k = 0; k < n; k++)
        {
            recordHeader[recordHeaderFill++] = buffer.get(at + k);
            if (!headerByteValid(recordHeaderFill - 1))
            {
                return k + 1;
            }
        }
        if (recordHeaderFill == RECORD_HEADER)
        {
            recordLeft = ((recordHeader[3] & 0xff) << 8) | (recordHeader[4] & 0xff);
            firstRecord = false;
            if (recordLeft == 0 || recordLeft > MAX_RECORD)
            {
                result = MALFORMED; // empty handshake fragments are forbidden (RFC 8446 §5.1)
            }
        }
        return n;
    }

    /** Checks a record header byte as soon as it is there, so a non-TLS stream is told apart on its first byte. */
    private boolean headerByteValid(final int index)
    {
        final int b = recordHeader[index] & 0xff;
        if (index == 0 && b != HANDSHAKE || index == 1 && b != 3)
        {
            result = firstRecord ? NOT_TLS : MALFORMED;
            return false;
        }
        return true;
    }

    private int takePayload(final ByteBuffer buffer, final int at, final int room)
    {
        final int n = Math.min(room, recordLeft);
        ensureRoom(helloLength + n);
        for (int k = 0; k < n; k++)
        {
            hello[helloLength + k] = buffer.get(at + k);
        }
        helloLength += n;
        recordLeft -= n;
        if (recordLeft == 0)
        {
            recordHeaderFill = 0; // the next record follows
        }
        parse();
        return n;
    }

    private void ensureRoom(final int needed)
    {
        if (needed > hello.length)
        {
            hello = Arrays.copyOf(hello, Math.min(maxBytes, Math.max(needed, hello.length * 2)));
        }
    }

    /** Advance over the handshake bytes as far as they go; each stage needs its whole field first. */
    private void parse()
    {
        while (result == NEED_MORE)
        {
            final boolean advanced = switch (stage)
            {
                case AT_HEADER -> header();
                case AT_SESSION_ID -> skipVector(1, 32, AT_CIPHER_SUITES);
                case AT_CIPHER_SUITES -> skipVector(2, 0xfffe, AT_COMPRESSION);
                case AT_COMPRESSION -> skipVector(1, 0xff, AT_EXTENSIONS);
                case AT_EXTENSIONS -> extensions();
                default -> extension();
            };
            if (!advanced)
            {
                return;
            }
        }
    }

    private boolean header()
    {
        if (helloLength < 4)
        {
            return false;
        }
        final int length = u24(1);
        if ((hello[0] & 0xff) != CLIENT_HELLO || length < FIXED_PART)
        {
            result = MALFORMED; // at least version, random and the vectors' lengths
            return false;
        }
        messageEnd = 4 + length;
        cursor = FIXED_PART;
        stage = AT_SESSION_ID;
        return true;
    }

    /** A length-prefixed vector that must lie inside the message; only its length is read. */
    private boolean skipVector(final int lengthBytes, final int maxLength, final int next)
    {
        if (!have(lengthBytes))
        {
            return false;
        }
        final int length = lengthBytes == 1 ? hello[cursor] & 0xff : u16(cursor);
        if (length > maxLength || cursor + lengthBytes + length > messageEnd ||
            (next != AT_CIPHER_SUITES && length == 0) || (next == AT_COMPRESSION && (length & 1) != 0))
        {
            result = MALFORMED; // cipher suites: pairs, at least one; compression: at least "null"
            return false;
        }
        cursor += lengthBytes + length;
        stage = next;
        return true;
    }

    private boolean extensions()
    {
        if (cursor == messageEnd)
        {
            result = NO_SERVER_NAME; // a hello without extensions (TLS 1.0 era)
            return false;
        }
        if (!have(2))
        {
            return false;
        }
        extensionsEnd = cursor + 2 + u16(cursor);
        if (extensionsEnd != messageEnd)
        {
            result = MALFORMED;
            return false;
        }
        cursor += 2;
        stage = AT_EXTENSION;
        return true;
    }

    private boolean extension()
    {
        if (cursor == extensionsEnd)
        {
            result = NO_SERVER_NAME;
            return false;
        }
        if (cursor + 4 > extensionsEnd)
        {
            result = MALFORMED;
            return false;
        }
        if (!have(4))
        {
            return false;
        }
        final int type = u16(cursor);
        final int length = u16(cursor + 2);
        final int end = cursor + 4 + length;
        if (end > extensionsEnd)
        {
            result = MALFORMED;
            return false;
        }
        if (type != EXT_SERVER_NAME)
        {
            cursor = end;
            return true;
        }
        if (helloLength < end)
        {
            return false;
        }
        result = serverNameList(cursor + 4, end);
        return false;
    }

    /** RFC 6066 §3: a list of (type, name); the first host_name counts. */
    private int serverNameList(final int start, final int end)
    {
        if (end - start < 2 || start + 2 + u16(start) != end)
        {
            return MALFORMED;
        }
        int at = start + 2;
        while (at < end)
        {
            if (at + 3 > end)
            {
                return MALFORMED;
            }
            final int type = hello[at] & 0xff;
            final int length = u16(at + 1);
            if (at + 3 + length > end)
            {
                return MALFORMED;
            }
            if (type == HOST_NAME)
            {
                return hostName(at + 3, length);
            }
            at += 3 + length;
        }
        return NO_SERVER_NAME;
    }

    private int hostName(final int start, final int length)
    {
        if (length == 0 || length > MAX_NAME)
        {
            return MALFORMED;
        }
        final char[] name = new char[length];
        for (int k = 0; k < length; k++)
        {
            final int c = hello[start + k] & 0xff;
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'))
            {
                if (c < 'A' || c > 'Z')
                {
                    return MALFORMED; // a DNS name in ASCII (IDNs travel as xn-- A-labels)
                }
            }
            name[k] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
        serverName = new String(name);
        return SERVER_NAME;
    }

    private boolean have(final int n)
    {
        if (cursor + n > messageEnd)
        {
            result = MALFORMED;
            return false;
        }
        return cursor + n <= helloLength;
    }

    private int u16(final int at)
    {
        return ((hello[at] & 0xff) << 8) | (hello[at + 1] & 0xff);
    }

    private int u24(final int at)
    {
        return ((hello[at] & 0xff) << 16) | ((hello[at + 1] & 0xff) << 8) | (hello[at + 2] & 0xff);
    }

    /**
     * @return the answer so far.
     */
    public int result()
    {
        return result;
    }

    /**
     * @return the host name in lower case (as sent otherwise), when the answer is {@link #SERVER_NAME}; else null.
     */
    public String serverName()
    {
        return serverName;
    }

    /**
     * @return stream bytes looked at so far; never more than maxBytes.
     */
    public int bytesScanned()
    {
        return streamBytes;
    }

    /**
     * @param result an answer.
     * @return its name for logs and tests.
     */
    public static String describe(final int result)
    {
        return switch (result)
        {
            case NEED_MORE -> "need_more";
            case SERVER_NAME -> "server_name";
            case NO_SERVER_NAME -> "no_server_name";
            case NOT_TLS -> "not_tls";
            case MALFORMED -> "malformed";
            case TOO_LARGE -> "too_large";
            default -> "unknown";
        };
    }
}
