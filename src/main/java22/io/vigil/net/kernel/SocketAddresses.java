package io.vigil.net.kernel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * struct sockaddr_in / sockaddr_in6 to and from InetSocketAddress, as the JDK does it: on an AF_INET6 socket an
 * IPv4 address becomes IPv4-mapped, except the wildcard, which becomes {@code ::} (both families); an IPv4-mapped
 * peer reads back as IPv4.
 */
final class SocketAddresses
{
    private SocketAddresses()
    {
    }

    static InetSocketAddress check(final SocketAddress address)
    {
        if (!(address instanceof InetSocketAddress inet))
        {
            throw new UnsupportedAddressTypeException();
        }
        if (inet.isUnresolved())
        {
            throw new UnresolvedAddressException();
        }
        return inet;
    }

    /**
     * @return the length written.
     */
    static int encode(final InetSocketAddress address, final int family, final MemorySegment into)
    {
        final InetAddress ip = address.getAddress();
        final int port = address.getPort();
        into.fill((byte)0);
        into.set(ValueLayout.JAVA_BYTE, 2, (byte)(port >>> 8));
        into.set(ValueLayout.JAVA_BYTE, 3, (byte)port);
        final byte[] bytes = ip.getAddress();
        if (family == Native.AF_INET)
        {
            if (!(ip instanceof Inet4Address))
            {
                throw new UnsupportedAddressTypeException();
            }
            into.set(ValueLayout.JAVA_SHORT, 0, (short)Native.AF_INET);
            MemorySegment.copy(bytes, 0, into, ValueLayout.JAVA_BYTE, 4, 4);
            return 16;
        }
        into.set(ValueLayout.JAVA_SHORT, 0, (short)Native.AF_INET6);
        if (ip instanceof Inet4Address)
        {
            if (!ip.isAnyLocalAddress())
            {
                into.set(ValueLayout.JAVA_BYTE, 18, (byte)0xff);
                into.set(ValueLayout.JAVA_BYTE, 19, (byte)0xff);
                MemorySegment.copy(bytes, 0, into, ValueLayout.JAVA_BYTE, 20, 4);
            }
        }
        else
        {
            MemorySegment.copy(bytes, 0, into, ValueLayout.JAVA_BYTE, 8, 16);
            into.set(ValueLayout.JAVA_INT, 24, ((Inet6Address)ip).getScopeId());
        }
        return 28;
    }

    static InetSocketAddress decode(final MemorySegment from) throws IOException
    {
        final int family = from.get(ValueLayout.JAVA_SHORT, 0);
        final int port = (from.get(ValueLayout.JAVA_BYTE, 2) & 0xff) << 8 | from.get(ValueLayout.JAVA_BYTE, 3) & 0xff;
        try
        {
            if (family == Native.AF_INET)
            {
                final byte[] bytes = new byte[4];
                MemorySegment.copy(from, ValueLayout.JAVA_BYTE, 4, bytes, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
            }
            if (family == Native.AF_INET6)
            {
                final byte[] bytes = new byte[16];
                MemorySegment.copy(from, ValueLayout.JAVA_BYTE, 8, bytes, 0, 16);
                final int scope = from.get(ValueLayout.JAVA_INT, 24);
                // getByAddress maps an IPv4-mapped address to the IPv4 one, as the JDK reports it
                final InetAddress ip = scope != 0 ? Inet6Address.getByAddress(null, bytes, scope) :
                    InetAddress.getByAddress(bytes);
                return new InetSocketAddress(ip, port);
            }
        }
        catch (final UnknownHostException ex)
        {
            throw new IOException(ex);
        }
        throw new IOException("unexpected address family " + family);
    }
}
