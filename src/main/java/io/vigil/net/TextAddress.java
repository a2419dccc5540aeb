package io.vigil.net;

/**
 * The text forms a PROXY v1 line carries, parsed from ASCII bytes without allocating: dotted-quad IPv4 (as
 * {@code inet_pton}: no leading zeros), IPv6 in full or compressed form (optionally ending in dotted IPv4), and
 * decimal ports. Used where text must never be taken for a host name (nothing here resolves anything).
 */
public final class TextAddress
{
    private TextAddress()
    {
    }

    /**
     * @param text bytes.
     * @param from first byte of the field.
     * @param to   end of the field (exclusive).
     * @param out  where the 4 bytes go.
     * @param at   offset in {@code out}.
     * @return true when {@code text[from, to)} is a dotted-quad IPv4 address.
     */
    public static boolean ipv4(final byte[] text, final int from, final int to, final byte[] out, final int at)
    {
        int i = from;
        for (int octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (i >= to || text[i] != '.')
                {
                    return false;
                }
                i++;
            }
            final int start = i;
            int value = 0;
            while (i < to && i - start < 3 && text[i] >= '0' && text[i] <= '9')
            {
                value = value * 10 + text[i] - '0';
                i++;
            }
            if (i == start || value > 255 || (text[start] == '0' && i - start > 1))
            {
                return false;
            }
            out[at + octet] = (byte)value;
        }
        return i == to;
    }

    /**
     * @param text bytes.
     * @param from first byte of the field.
     * @param to   end of the field (exclusive).
     * @param out  where the 16 bytes go.
     * @return true when {@code text[from, to)} is an IPv6 address.
     */
    public static boolean ipv6(final byte[] text, final int from, final int to, final byte[] out)
    {
        if (to - from < 2)
        {
            return false;
        }
        int i = from;
        int groups = 0;
        int gapAt = -1;
        if (text[i] == ':')
        {
            if (text[i + 1] != ':')
            {
                return false;
            }
            gapAt = 0;
            i += 2;
        }
        while (i < to)
        {
            int end = i;
            boolean dotted = false;
            while (end < to && text[end] != ':')
            {
                dotted |= text[end] == '.';
                end++;
            }
            if (end == i || groups == 8)
            {
                return false;
            }
            if (dotted)
            {
                // embedded IPv4 (::ffff:10.0.0.1): the last two groups
                if (end != to || groups > 6 || !ipv4(text, i, end, out, groups * 2))
                {
                    return false;
                }
                groups += 2;
                break;
            }
            if (end - i > 4)
            {
                return false;
            }
            int value = 0;
            for (int k = i; k < end; k++)
            {
                final int digit = Character.digit(text[k], 16);
                if (digit < 0)
                {
                    return false;
                }
                value = value << 4 | digit;
            }
            out[groups * 2] = (byte)(value >> 8);
            out[groups * 2 + 1] = (byte)value;
            groups++;
            if (end == to)
            {
                break;
            }
            if (end + 1 < to && text[end + 1] == ':')
            {
                if (gapAt >= 0)
                {
                    return false; // a second "::"
                }
                gapAt = groups;
                i = end + 2;
            }
            else if (end + 1 == to)
            {
                return false; // a trailing single ':'
            }
            else
            {
                i = end + 1;
            }
        }
        if (gapAt < 0)
        {
            return groups == 8;
        }
        if (groups == 8)
        {
            return false; // "::" stands for at least one group
        }
        final int tail = (groups - gapAt) * 2;
        System.arraycopy(out, gapAt * 2, out, 16 - tail, tail);
        for (int k = gapAt * 2; k < 16 - tail; k++)
        {
            out[k] = 0;
        }
        return true;
    }

    /**
     * @param text bytes.
     * @param from first byte of the field.
     * @param to   end of the field (exclusive).
     * @return the port 0..65535 in {@code text[from, to)}, or -1 when it is not one.
     */
    public static int port(final byte[] text, final int from, final int to)
    {
        if (to <= from || to - from > 5 || (text[from] == '0' && to - from > 1))
        {
            return -1;
        }
        int value = 0;
        for (int i = from; i < to; i++)
        {
            if (text[i] < '0' || text[i] > '9')
            {
                return -1;
            }
            value = value * 10 + text[i] - '0';
        }
        return value <= 65535 ? value : -1;
    }
}
