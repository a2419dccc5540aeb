package io.vigil.test;

import io.vigil.net.HostPort;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * A name lookup that never leaves the machine, for fuzzing and tests that load arbitrary configurations: IPv4
 * dotted quads, IPv6 literals and {@code localhost} resolve; every other name is unknown. This machine's resolver is
 * not on loopback, and fuzzed host names must not become DNS queries.
 */
public final class OfflineLookup implements HostPort.NameLookup
{
    /** The one instance. */
    public static final OfflineLookup INSTANCE = new OfflineLookup();

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    /** What InetAddress parses as an IPv6 literal without a lookup: hex digits and colons, maybe a zone. */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[0-9A-Za-z]+)?");

    private OfflineLookup()
    {
    }

    @Override
    public InetAddress[] lookup(final String host) throws UnknownHostException
    {
        if (host.equals("localhost"))
        {
            return new InetAddress[] {InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1})};
        }
        final var v4 = IPV4.matcher(host);
        if (v4.matches())
        {
            final byte[] address = new byte[4];
            for (int i = 0; i < 4; i++)
            {
                final int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255)
                {
                    throw new UnknownHostException(host);
                }
                address[i] = (byte)octet;
            }
            return new InetAddress[] {InetAddress.getByAddress(address)};
        }
        if (IPV6.matcher(host).matches())
        {
            // contains ':' and starts with a hex digit or ':': InetAddress parses it or refuses it, never asks DNS
            return new InetAddress[] {InetAddress.getByName(host)};
        }
        throw new UnknownHostException(host + ": not resolved offline");
    }
}
