package io.vigil.net;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.test.FuzzWatchdog;
import io.vigil.test.OfflineLookup;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * Differential fuzzing of {@link HostPort}'s listen and server address parsers against a reference written from
 * nginx's {@code listen} / {@code server} syntax: {@code host:port}, {@code [v6]:port}, {@code *:port} and (listen
 * only) a bare port, ports of ASCII digits within 0..65535 (1..65535 for a server). Names resolve with
 * {@link OfflineLookup}, never DNS. A refusal is always an IllegalArgumentException, and a parsed address
 * formats back to text that parses to the same address. The input is the address as UTF-8 text.
 */
class HostPortFuzzTest
{
    private static final HostPort.NameLookup LOOKUP = OfflineLookup.INSTANCE;

    @FuzzTest
    void shouldParseAddresses(final byte[] input)
    {
        FuzzWatchdog.run("HostPort", () -> check(new String(input, StandardCharsets.UTF_8)));
    }

    private static void check(final String text)
    {
        final Map.Entry<String, Integer> split = split(text, false);
        same(text, "splitServer", split, () -> HostPort.splitServer(text));
        same(text, "parseServer", resolve(split), () -> HostPort.parseServer(text, LOOKUP));
        final InetSocketAddress listen = resolve(split(text, true));
        same(text, "parseListen", listen, () -> HostPort.parseListen(text, LOOKUP));
        if (listen != null)
        {
            final String formatted = HostPort.format(listen);
            same(formatted, "parseListen of format", listen, () -> HostPort.parseListen(formatted, LOOKUP));
        }
    }

    private interface Parse
    {
        Object run();
    }

    private static void same(final String text, final String what, final Object expected, final Parse parse)
    {
        Object actual;
        try
        {
            actual = parse.run();
        }
        catch (final IllegalArgumentException refused)
        {
            actual = null;
        }
        if (!Objects.equals(expected, actual))
        {
            throw new AssertionError(what + " \"" + text + "\": expected " + expected + ", got " + actual);
        }
    }

    /** Host (brackets removed; "*" for every address) and port, or null when the syntax is refused. */
    private static Map.Entry<String, Integer> split(final String text, final boolean listen)
    {
        final String value = text.trim();
        if (listen && value.matches("[0-9]+"))
        {
            final Integer port = port(value, 0);
            return port == null ? null : Map.entry("*", port);
        }
        final int colon = value.lastIndexOf(':');
        if (colon <= 0)
        {
            return null;
        }
        String host = value.substring(0, colon);
        if (host.startsWith("["))
        {
            if (!host.endsWith("]") || host.length() < 2)
            {
                return null;
            }
            host = host.substring(1, host.length() - 1);
        }
        else if (host.contains(":"))
        {
            return null;
        }
        final Integer port = port(value.substring(colon + 1), listen ? 0 : 1);
        if (host.isEmpty() || port == null || !listen && host.equals("*"))
        {
            return null;
        }
        return Map.entry(host, port);
    }

    private static Integer port(final String digits, final int min)
    {
        if (!digits.matches("[0-9]+"))
        {
            return null;
        }
        final BigInteger port = new BigInteger(digits);
        return port.compareTo(BigInteger.valueOf(min)) < 0 || port.compareTo(BigInteger.valueOf(65535)) > 0 ? null :
            port.intValue();
    }

    private static InetSocketAddress resolve(final Map.Entry<String, Integer> split)
    {
        if (split == null)
        {
            return null;
        }
        if (split.getKey().equals("*"))
        {
            return new InetSocketAddress(split.getValue());
        }
        try
        {
            return new InetSocketAddress(LOOKUP.lookup(split.getKey())[0], split.getValue());
        }
        catch (final UnknownHostException unknown)
        {
            return null;
        }
    }
}
