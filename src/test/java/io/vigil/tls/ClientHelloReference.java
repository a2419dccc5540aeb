package io.vigil.tls;

import java.io.ByteArrayOutputStream;

/**
 * A slow, whole-input reading of the same rules {@link ClientHelloScanner} applies incrementally, for differential
 * fuzzing: take the first {@code maxBytes} of the stream, strip record headers until the data or a bad header ends
 * them, then read the handshake message top-down. Written from RFC 8446 §4.1.2/§5.1 and RFC 6066 §3, not from the
 * scanner.
 */
final class ClientHelloReference
{
    /** The answer and the name (or null). */
    record Answer(int result, String serverName)
    {
    }

    /** Thrown when the handshake bytes end before the field being read. */
    private static final class Short extends Exception
    {
        private static final long serialVersionUID = 1L;

        Short()
        {
            super(null, null, false, false);
        }
    }

    /** Thrown for a field that breaks the rules. */
    private static final class Bad extends Exception
    {
        private static final long serialVersionUID = 1L;

        Bad()
        {
            super(null, null, false, false);
        }
    }

    private ClientHelloReference()
    {
    }

    static Answer read(final byte[] stream, final int maxBytes)
    {
        final int n = Math.min(stream.length, maxBytes);
        final ByteArrayOutputStream payload = new ByteArrayOutputStream();
        int recordError = -1;
        int at = 0;
        while (at < n)
        {
            if ((stream[at] & 0xff) != 22 || at + 1 < n && (stream[at + 1] & 0xff) != 3)
            {
                recordError = at == 0 ? ClientHelloScanner.NOT_TLS : ClientHelloScanner.MALFORMED;
                break;
            }
            if (at + 5 > n)
            {
                break;
            }
            final int length = ((stream[at + 3] & 0xff) << 8) | (stream[at + 4] & 0xff);
            if (length == 0 || length > 16384)
            {
                recordError = ClientHelloScanner.MALFORMED;
                break;
            }
            final int take = Math.min(length, n - at - 5);
            payload.write(stream, at + 5, take);
            at += 5 + length;
        }
        final byte[] hello = payload.toByteArray();
        try
        {
            return message(hello);
        }
        catch (final Bad ex)
        {
            return new Answer(ClientHelloScanner.MALFORMED, null);
        }
        catch (final Short ex)
        {
            if (recordError >= 0)
            {
                return new Answer(recordError, null);
            }
            return new Answer(n == maxBytes ? ClientHelloScanner.TOO_LARGE : ClientHelloScanner.NEED_MORE, null);
        }
    }

    private static Answer message(final byte[] h) throws Short, Bad
    {
        need(h, 0, 4);
        if ((h[0] & 0xff) != 1)
        {
            throw new Bad();
        }
        final int length = num(h, 1, 3);
        if (length < 38)
        {
            throw new Bad();
        }
        final int end = 4 + length;
        int at = 38;
        at = vector(h, at, 1, end, 0, 32, false);
        at = vector(h, at, 2, end, 2, 0xfffe, true);
        at = vector(h, at, 1, end, 1, 255, false);
        if (at == end)
        {
            return new Answer(ClientHelloScanner.NO_SERVER_NAME, null);
        }
        within(at + 2, end);
        need(h, at, 2);
        final int extEnd = at + 2 + num(h, at, 2);
        if (extEnd != end)
        {
            throw new Bad();
        }
        at += 2;
        while (at != extEnd)
        {
            within(at + 4, extEnd);
            need(h, at, 4);
            final int type = num(h, at, 2);
            final int next = at + 4 + num(h, at + 2, 2);
            within(next, extEnd);
            if (type == 0)
            {
                need(h, at + 4, next - at - 4);
                return names(h, at + 4, next);
            }
            at = next;
        }
        return new Answer(ClientHelloScanner.NO_SERVER_NAME, null);
    }

    private static int vector(final byte[] h, final int at, final int lengthBytes, final int end, final int min,
        final int max, final boolean even) throws Short, Bad
    {
        within(at + lengthBytes, end);
        need(h, at, lengthBytes);
        final int length = num(h, at, lengthBytes);
        if (length < min || length > max || even && length % 2 != 0)
        {
            throw new Bad();
        }
        within(at + lengthBytes + length, end);
        return at + lengthBytes + length;
    }

    private static Answer names(final byte[] h, final int start, final int end) throws Bad
    {
        if (end - start < 2 || start + 2 + num(h, start, 2) != end)
        {
            throw new Bad();
        }
        int at = start + 2;
        while (at < end)
        {
            if (at + 3 > end || at + 3 + num(h, at + 1, 2) > end)
            {
                throw new Bad();
            }
            final int length = num(h, at + 1, 2);
            if (h[at] == 0)
            {
                if (length < 1 || length > 255)
                {
                    throw new Bad();
                }
                final String name = new String(h, at + 3, length, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (!name.matches("[A-Za-z0-9._-]+"))
                {
                    throw new Bad();
                }
                return new Answer(ClientHelloScanner.SERVER_NAME, name.toLowerCase(java.util.Locale.ROOT));
            }
            at += 3 + length;
        }
        return new Answer(ClientHelloScanner.NO_SERVER_NAME, null);
    }

    private static void within(final int offset, final int end) throws Bad
    {
        if (offset > end)
        {
            throw new Bad();
        }
    }

    private static void need(final byte[] h, final int at, final int n) throws Short
    {
        if (at + n > h.length)
        {
            throw new Short();
        }
    }

    private static int num(final byte[] h, final int at, final int bytes)
    {
        int value = 0;
        for (int i = 0; i < bytes; i++)
        {
            value = value << 8 | h[at + i] & 0xff;
        }
        return value;
    }
}
