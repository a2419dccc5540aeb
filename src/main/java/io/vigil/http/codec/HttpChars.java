package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * Byte classes and comparisons of RFC 9110/9112 over a buffer, without creating Strings.
 */
final class HttpChars
{
    private static final boolean[] TCHAR = new boolean[256];

    static
    {
        for (int c = '0'; c <= '9'; c++)
        {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++)
        {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (final char c : "!#$%&'*+-.^_`|~".toCharArray())
        {
            TCHAR[c] = true;
        }
    }

    private HttpChars()
    {
    }

    static boolean isTchar(final byte b)
    {
        return TCHAR[b & 0xff];
    }

    /**
     * @return the value of an ASCII hex digit, or -1 (Character.digit would also take non-ASCII digits).
     */
    static int hexDigit(final byte b)
    {
        if (b >= '0' && b <= '9')
        {
            return b - '0';
        }
        final int lower = b | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }

    static boolean isDigit(final byte b)
    {
        return b >= '0' && b <= '9';
    }

    static boolean isOws(final byte b)
    {
        return b == ' ' || b == '\t';
    }

    /** Visible ASCII: what a request-target may contain (anything else must be percent-encoded). */
    static boolean isTargetChar(final byte b)
    {
        return b > 0x20 && b < 0x7f;
    }

    /** field-vchar, SP, HTAB and obs-text: no CR, LF, NUL, DEL or other controls. */
    static boolean isFieldValueChar(final byte b)
    {
        final int c = b & 0xff;
        return c >= 0x20 && c != 0x7f || c == '\t';
    }

    private static int lower(final int c)
    {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    static boolean equalsIgnoreCase(final ByteBuffer buffer, final int start, final int end, final String lowerCase)
    {
        if (end - start != lowerCase.length())
        {
            return false;
        }
        for (int i = 0; i < lowerCase.length(); i++)
        {
            if (lower(buffer.get(start + i)) != lowerCase.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long LFS = ONES * '\n';
    private static final long DELS = ONES * 0x7F;
    private static final long SPACES = ONES * ' ';

    /**
     * The first LF in {@code [from, to)}, eight bytes at a time (in big-endian order the first byte in memory is
     * the most significant). The zero-byte test used is exact: no false positives, so the first flagged byte is
     * the first LF.
     *
     * @return its offset, or {@code to}.
     */
    static int indexOfLf(final ByteBuffer buffer, final int from, final int to)
    {
        int i = from;
        while (i + Long.BYTES <= to)
        {
            final long x = buffer.getLong(i) ^ LFS;
            final long zeros = ~(((x & LOW7) + LOW7) | x | LOW7);
            if (zeros != 0)
            {
                final int first = buffer.order() == java.nio.ByteOrder.BIG_ENDIAN ?
                    Long.numberOfLeadingZeros(zeros) : Long.numberOfTrailingZeros(zeros);
                return i + (first >>> 3);
            }
            i += Long.BYTES;
        }
        for (; i < to; i++)
        {
            if (buffer.get(i) == '\n')
            {
                return i;
            }
        }
        return to;
    }

    /**
     * Whether every byte of {@code [from, to)} may appear in a field value: HTAB, SP through '~', or obs-text
     * (0x80-0xFF); never another control or DEL. Eight bytes at a time; a word that might hold a control is
     * checked byte by byte.
     */
    static boolean allFieldValueChars(final ByteBuffer buffer, final int from, final int to)
    {
        int i = from;
        while (i + Long.BYTES <= to)
        {
            final long x = buffer.getLong(i);
            final long del = x ^ DELS;
            final boolean maybeControl = ((x - SPACES) & ~x & HIGHS) != 0 || ((del - ONES) & ~del & HIGHS) != 0;
            if (maybeControl)
            {
                for (int k = i; k < i + Long.BYTES; k++)
                {
                    if (!isFieldValueChar(buffer.get(k)))
                    {
                        return false;
                    }
                }
            }
            i += Long.BYTES;
        }
        for (; i < to; i++)
        {
            if (!isFieldValueChar(buffer.get(i)))
            {
                return false;
            }
        }
        return true;
    }

    static boolean equalsExact(final ByteBuffer buffer, final int start, final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            if (buffer.get(start + i) != text.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    static boolean startsWithIgnoreCase(final ByteBuffer buffer, final int start, final int end, final String lowerCase)
    {
        return end - start >= lowerCase.length() &&
            equalsIgnoreCase(buffer, start, start + lowerCase.length(), lowerCase);
    }

    /** Non-empty items in a comma-separated list. */
    static int countListItems(final ByteBuffer buffer, final int start, final int end)
    {
        return countListToken(buffer, start, end, null);
    }

    /** Items of a comma-separated list equal to {@code token} (case-insensitive); null counts every non-empty one. */
    static int countListToken(final ByteBuffer buffer, final int start, final int end, final String token)
    {
        int count = 0;
        int i = start;
        while (i < end)
        {
            int itemEnd = i;
            while (itemEnd < end && buffer.get(itemEnd) != ',')
            {
                itemEnd++;
            }
            final int s = trimStart(buffer, i, itemEnd);
            final int e = trimEnd(buffer, i, itemEnd);
            if (token == null ? e > s : equalsIgnoreCase(buffer, s, e, token))
            {
                count++;
            }
            i = itemEnd + 1;
        }
        return count;
    }

    static boolean lastListTokenIs(final ByteBuffer buffer, final int start, final int end, final String token)
    {
        int itemStart = end;
        while (itemStart > start && buffer.get(itemStart - 1) != ',')
        {
            itemStart--;
        }
        return equalsIgnoreCase(buffer, trimStart(buffer, itemStart, end), trimEnd(buffer, itemStart, end), token);
    }

    /** {@code name=N} in a parameter list such as Keep-Alive: timeout=5, max=100; 0 when absent or invalid. */
    static int parameterInt(final ByteBuffer buffer, final int start, final int end, final String name)
    {
        int i = start;
        while (i < end)
        {
            int itemEnd = i;
            while (itemEnd < end && buffer.get(itemEnd) != ',' && buffer.get(itemEnd) != ';')
            {
                itemEnd++;
            }
            final int s = trimStart(buffer, i, itemEnd);
            final int e = trimEnd(buffer, i, itemEnd);
            final int eq = s + name.length();
            if (eq < e && buffer.get(eq) == '=' && equalsIgnoreCase(buffer, s, eq, name))
            {
                int value = 0;
                for (int d = eq + 1; d < e; d++)
                {
                    if (!isDigit(buffer.get(d)) || value > 100_000_000)
                    {
                        return 0;
                    }
                    value = value * 10 + buffer.get(d) - '0';
                }
                return value;
            }
            i = itemEnd + 1;
        }
        return 0;
    }

    /**
     * Whether a comma-separated list (a Connection value) names the field name at {@code [name, nameEnd)}.
     */
    static boolean listContainsName(
        final ByteBuffer buffer, final int start, final int end, final int name, final int nameEnd)
    {
        int i = start;
        while (i < end)
        {
            int itemEnd = i;
            while (itemEnd < end && buffer.get(itemEnd) != ',')
            {
                itemEnd++;
            }
            final int s = trimStart(buffer, i, itemEnd);
            final int e = trimEnd(buffer, i, itemEnd);
            if (e - s == nameEnd - name && regionMatchesIgnoreCase(buffer, s, name, e - s))
            {
                return true;
            }
            i = itemEnd + 1;
        }
        return false;
    }

    private static boolean regionMatchesIgnoreCase(final ByteBuffer buffer, final int a, final int b, final int n)
    {
        for (int k = 0; k < n; k++)
        {
            if (lower(buffer.get(a + k)) != lower(buffer.get(b + k)))
            {
                return false;
            }
        }
        return true;
    }

    private static int trimStart(final ByteBuffer buffer, final int start, final int end)
    {
        int s = start;
        while (s < end && isOws(buffer.get(s)))
        {
            s++;
        }
        return s;
    }

    private static int trimEnd(final ByteBuffer buffer, final int start, final int end)
    {
        int e = end;
        while (e > start && isOws(buffer.get(e - 1)))
        {
            e--;
        }
        return e;
    }
}
