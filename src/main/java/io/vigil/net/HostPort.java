package io.vigil.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses addresses as nginx's {@code listen} and {@code server} do: {@code host:port}, {@code [v6]:port},
 * {@code *:port} (all addresses) and a bare {@code port}.
 */
public final class HostPort
{
    /**
     * Turns a host name or literal into its addresses. Production uses {@link #SYSTEM_LOOKUP}; tests and fuzzers
     * that load arbitrary configurations give one that never leaves the machine.
     */
    @FunctionalInterface
    public interface NameLookup
    {
        /**
         * @param host a name or literal, brackets removed.
         * @return its addresses, the preferred one first; never empty.
         * @throws UnknownHostException when it has none.
         */
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    /** The JVM's resolver (hosts file, then DNS). Blocking. */
    public static final NameLookup SYSTEM_LOOKUP = InetAddress::getAllByName;

    private HostPort()
    {
    }

    /**
     * Parse a listen address; a bare port or {@code *} binds every address; port 0 takes an ephemeral port.
     *
     * @param text the address as written.
     * @return a resolved socket address.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static InetSocketAddress parseListen(final String text)
    {
        return parseListen(text, SYSTEM_LOOKUP);
    }

    /**
     * {@link #parseListen(String)} with the given name lookup.
     *
     * @param text   the address as written.
     * @param lookup resolves a host name.
     * @return a resolved socket address.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static InetSocketAddress parseListen(final String text, final NameLookup lookup)
    {
        final String value = text.trim();
        if (isPort(value))
        {
            return new InetSocketAddress(port(value, text, 0));
        }
        final int colon = portSeparator(value, text);
        final String host = host(value, colon, text);
        final int port = port(value.substring(colon + 1), text, 0);
        if ("*".equals(host))
        {
            return new InetSocketAddress(port);
        }
        return resolve(host, port, text, lookup);
    }

    /**
     * Parse an upstream server address; host and port are both required.
     *
     * @param text the address as written.
     * @return a resolved socket address.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static InetSocketAddress parseServer(final String text)
    {
        return parseServer(text, SYSTEM_LOOKUP);
    }

    /**
     * {@link #parseServer(String)} with the given name lookup.
     *
     * @param text   the address as written.
     * @param lookup resolves a host name.
     * @return a resolved socket address.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static InetSocketAddress parseServer(final String text, final NameLookup lookup)
    {
        final String value = text.trim();
        final int colon = portSeparator(value, text);
        final String host = host(value, colon, text);
        if ("*".equals(host))
        {
            throw new IllegalArgumentException("invalid server address \"" + text + "\": * is only for listen");
        }
        return resolve(host, port(value.substring(colon + 1), text, 1), text, lookup);
    }

    /**
     * Split an upstream server address without resolving it.
     *
     * @param text {@code host:port} or {@code [v6]:port}.
     * @return the host (brackets removed) and the port.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public static Map.Entry<String, Integer> splitServer(final String text)
    {
        final String value = text.trim();
        final int colon = portSeparator(value, text);
        final String host = host(value, colon, text);
        if ("*".equals(host))
        {
            throw new IllegalArgumentException("invalid server address \"" + text + "\": * is only for listen");
        }
        return Map.entry(host, port(value.substring(colon + 1), text, 1));
    }

    /**
     * Resolve a host to every address it has (IPv4 and IPv6), as nginx does for a server name. Blocking: call
     * at load time or from the resolver thread, never on an event loop.
     *
     * @param host a name or literal.
     * @param port the port.
     * @return the addresses, in the resolver's order.
     * @throws UnknownHostException when the name does not resolve.
     */
    public static List<InetSocketAddress> resolveAll(final String host, final int port) throws UnknownHostException
    {
        return resolveAll(host, port, SYSTEM_LOOKUP);
    }

    /**
     * {@link #resolveAll(String, int)} with the given name lookup.
     *
     * @param host   a name or literal.
     * @param port   the port.
     * @param lookup resolves a host name.
     * @return the addresses, in the lookup's order.
     * @throws UnknownHostException when the name does not resolve.
     */
    public static List<InetSocketAddress> resolveAll(final String host, final int port, final NameLookup lookup)
        throws UnknownHostException
    {
        final InetAddress[] all = lookup.lookup(host);
        final List<InetSocketAddress> result = new ArrayList<>(all.length);
        for (final InetAddress address : all)
        {
            result.add(new InetSocketAddress(address, port));
        }
        return result;
    }

    /**
     * Format an address as {@code host:port} or {@code [v6]:port}, without a hostname lookup.
     *
     * @param address the address.
     * @return its text form.
     */
    public static String format(final InetSocketAddress address)
    {
        final InetAddress ip = address.getAddress();
        final String host = ip != null ? ip.getHostAddress() : address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** ASCII digits only: Character.isDigit and Integer.parseInt also take a sign and other scripts' digits. */
    private static boolean isPort(final String value)
    {
        if (value.isEmpty())
        {
            return false;
        }
        for (int i = 0; i < value.length(); i++)
        {
            if (value.charAt(i) < '0' || value.charAt(i) > '9')
            {
                return false;
            }
        }
        return true;
    }

    private static int portSeparator(final String value, final String text)
    {
        final int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1)
        {
            throw new IllegalArgumentException("invalid address \"" + text +
                "\": expected host:port, [ipv6]:port or *:port");
        }
        return colon;
    }

    private static String host(final String value, final int colon, final String text)
    {
        String host = value.substring(0, colon);
        if (host.startsWith("["))
        {
            if (!host.endsWith("]"))
            {
                throw new IllegalArgumentException("invalid address \"" + text + "\": unclosed [");
            }
            host = host.substring(1, host.length() - 1);
        }
        else if (host.indexOf(':') >= 0)
        {
            throw new IllegalArgumentException("invalid address \"" + text + "\": write IPv6 as [addr]:port");
        }
        if (host.isEmpty())
        {
            throw new IllegalArgumentException("invalid address \"" + text + "\": empty host");
        }
        return host;
    }

    private static int port(final String digits, final String text, final int min)
    {
        final int port;
        try
        {
            if (!isPort(digits))
            {
                throw new NumberFormatException(digits);
            }
            port = Integer.parseInt(digits);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("invalid port \"" + digits + "\" in \"" + text + "\"", ex);
        }
        if (port < min || port > 65535)
        {
            throw new IllegalArgumentException("port " + port + " in \"" + text + "\" is out of range " + min +
                "..65535");
        }
        return port;
    }

    private static InetSocketAddress resolve(
        final String host, final int port, final String text, final NameLookup lookup)
    {
        try
        {
            return new InetSocketAddress(lookup.lookup(host)[0], port);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("cannot resolve host \"" + host + "\" in \"" + text + "\"", ex);
        }
    }
}
