package io.vigil.proxyproto;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Writes the PROXY protocol header Vigil sends to an upstream ({@code send-proxy-protocol}): the client's address
 * (after any PROXY header it came with) and the address it connected to. Mixed families are sent as IPv6, the
 * IPv4 one mapped (as HAProxy does); an unknown client is v1 {@code UNKNOWN} or v2 {@code LOCAL}.
 */
public final class ProxyHeaderWriter
{
    /** Room any header written here needs (v2 with IPv6 addresses: 16 + 36). */
    public static final int MAX_LENGTH = ProxyHeaderParser.V1_MAX;

    private ProxyHeaderWriter()
    {
    }

    /**
     * Write a header at {@code dst}'s position.
     *
     * @param version     1 (text) or 2 (binary).
     * @param client      the client's address, or null when unknown.
     * @param destination the address the client connected to, or null when unknown.
     * @param dst         at least {@link #MAX_LENGTH} bytes of room.
     */
    public static void write(
        final int version, final InetSocketAddress client, final InetSocketAddress destination, final ByteBuffer dst)
    {
        final boolean known = client != null && destination != null && !client.isUnresolved() &&
            !destination.isUnresolved();
        final boolean v4 = known && client.getAddress() instanceof Inet4Address &&
            destination.getAddress() instanceof Inet4Address;
        if (version == 1)
        {
            ascii(dst, "PROXY ");
            if (!known)
            {
                ascii(dst, "UNKNOWN\r\n");
                return;
            }
            ascii(dst, v4 ? "TCP4 " : "TCP6 ");
            text(dst, client.getAddress(), v4);
            dst.put((byte)' ');
            text(dst, destination.getAddress(), v4);
            ascii(dst, " " + client.getPort() + " " + destination.getPort() + "\r\n");
            return;
        }
        dst.put(ProxyHeaderParser.V2_SIGNATURE);
        if (!known)
        {
            dst.put((byte)0x20).put((byte)0x00).putShort((short)0); // LOCAL, UNSPEC, no addresses
            return;
        }
        dst.put((byte)0x21).put((byte)(v4 ? 0x11 : 0x21)).putShort((short)(v4 ? 12 : 36));
        dst.put(bytes(client.getAddress(), v4)).put(bytes(destination.getAddress(), v4));
        dst.putShort((short)client.getPort()).putShort((short)destination.getPort());
    }

    private static byte[] bytes(final InetAddress address, final boolean v4)
    {
        final byte[] raw = address.getAddress();
        if (v4 || raw.length == 16)
        {
            return raw;
        }
        final byte[] mapped = new byte[16];
        mapped[10] = (byte)0xff;
        mapped[11] = (byte)0xff;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return mapped;
    }

    /** Dotted quad, or all eight IPv6 groups in hex (no scope id, which the protocol has no room for). */
    private static void text(final ByteBuffer dst, final InetAddress address, final boolean v4)
    {
        final byte[] raw = bytes(address, v4);
        if (v4)
        {
            ascii(dst, (raw[0] & 0xff) + "." + (raw[1] & 0xff) + "." + (raw[2] & 0xff) + "." + (raw[3] & 0xff));
            return;
        }
        final StringBuilder text = new StringBuilder(39);
        for (int group = 0; group < 8; group++)
        {
            if (group > 0)
            {
                text.append(':');
            }
            text.append(Integer.toHexString((raw[2 * group] & 0xff) << 8 | raw[2 * group + 1] & 0xff));
        }
        ascii(dst, text.toString());
    }

    private static void ascii(final ByteBuffer dst, final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            dst.put((byte)text.charAt(i));
        }
    }
}
