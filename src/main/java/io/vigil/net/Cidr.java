package io.vigil.net;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a block of one. An IPv4
 * block also matches the IPv4-mapped IPv6 form of its addresses (a dual-stack listener sees those). Immutable.
 */
public final class Cidr
{
    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private Cidr(final byte[] network, final int prefixLength, final String text)
    {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /**
     * @param text an address literal with an optional "/prefix-length"; never looked up by name.
     * @return the block.
     * @throws IllegalArgumentException when it is not one.
     */
    public static Cidr parse(final String text)
    {
        final int slash = text.indexOf('/');
        final byte[] literal = (slash < 0 ? text : text.substring(0, slash)).trim()
            .getBytes(StandardCharsets.ISO_8859_1);
        final byte[] v4 = new byte[4];
        final byte[] v6 = new byte[16];
        final byte[] bytes;
        if (TextAddress.ipv4(literal, 0, literal.length, v4, 0))
        {
            bytes = v4;
        }
        else if (TextAddress.ipv6(literal, 0, literal.length, v6))
        {
            bytes = v6;
        }
        else
        {
            throw new IllegalArgumentException(
                "\"" + text + "\" is not an address block such as 10.0.0.0/8 or fd00::/8");
        }
        final int max = bytes.length * 8;
        final int prefix;
        try
        {
            prefix = slash < 0 ? max : Integer.parseInt(text.substring(slash + 1).trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("\"" + text + "\": the prefix length must be a number 0.." + max);
        }
        if (prefix < 0 || prefix > max)
        {
            throw new IllegalArgumentException("\"" + text + "\": the prefix length must be 0.." + max);
        }
        return new Cidr(bytes, prefix, text.trim());
    }

    /**
     * @param address an address, or null.
     * @return true when it lies in this block.
     */
    public boolean contains(final InetAddress address)
    {
        if (address == null)
        {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (bytes.length == 16 && network.length == 4 && mapped(bytes))
        {
            final byte[] v4 = new byte[4];
            System.arraycopy(bytes, 12, v4, 0, 4);
            bytes = v4;
        }
        if (bytes.length != network.length)
        {
            return false;
        }
        final int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++)
        {
            if (bytes[i] != network[i])
            {
                return false;
            }
        }
        final int bits = prefixLength % 8;
        if (bits == 0)
        {
            return true;
        }
        final int mask = 0xff << (8 - bits) & 0xff;
        return (bytes[whole] & mask) == (network[whole] & mask);
    }

    private static boolean mapped(final byte[] bytes)
    {
        for (int i = 0; i < 10; i++)
        {
            if (bytes[i] != 0)
            {
                return false;
            }
        }
        return bytes[10] == (byte)0xff && bytes[11] == (byte)0xff;
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof Cidr && prefixLength == ((Cidr)other).prefixLength &&
            java.util.Arrays.equals(network, ((Cidr)other).network);
    }

    @Override
    public int hashCode()
    {
        return java.util.Arrays.hashCode(network) * 31 + prefixLength;
    }

    @Override
    public String toString()
    {
        return text;
    }
}
