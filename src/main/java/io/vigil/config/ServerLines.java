package io.vigil.config;

import io.vigil.net.HostPort;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code servers} entry in nginx's {@code server} syntax: {@code "host:port weight=2 max-fails=3 backup"},
 * resolved through the given lookup.
 */
final class ServerLines
{
    private ServerLines()
    {
    }

    static ServerConfig server(final String spec, final HostPort.NameLookup lookup)
    {
        final String[] parts = spec.trim().split("\\s+");
        final Map.Entry<String, Integer> hostPort = HostPort.splitServer(parts[0]);
        int weight = 1;
        int maxConns = 0;
        int maxFails = 1;
        long failTimeoutNs = TimeUnit.SECONDS.toNanos(10);
        boolean backup = false;
        boolean down = false;
        for (int i = 1; i < parts.length; i++)
        {
            final String option = parts[i];
            final int eq = option.indexOf('=');
            final String name = eq < 0 ? option : option.substring(0, eq);
            final String value = eq < 0 ? null : option.substring(eq + 1);
            switch (name)
            {
                case "weight" -> weight = optionInt(option, value, 1, 1000);
                case "max-conns" -> maxConns = optionInt(option, value, 0, 1_000_000);
                case "max-fails" -> maxFails = optionInt(option, value, 0, 1000);
                case "fail-timeout" -> failTimeoutNs = optionSeconds(option, value);
                case "backup" -> backup = flag(option, value);
                case "down" -> down = flag(option, value);
                default -> throw new IllegalArgumentException("unsupported server option \"" + option +
                    "\" (supported: weight=N max-conns=N max-fails=N fail-timeout=T backup down)");
            }
        }
        final List<InetSocketAddress> addresses;
        try
        {
            addresses = HostPort.resolveAll(hostPort.getKey(), hostPort.getValue(), lookup);
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new IllegalArgumentException("cannot resolve host \"" + hostPort.getKey() + "\" in \"" + spec + "\"",
                ex);
        }
        return new ServerConfig(spec, hostPort.getKey(), hostPort.getValue(), List.copyOf(addresses), weight,
            maxConns, maxFails, failTimeoutNs, backup, down);
    }

    static int optionInt(final String option, final String value, final int min, final int max)
    {
        try
        {
            final int n = Integer.parseInt(value);
            if (n >= min && n <= max)
            {
                return n;
            }
        }
        catch (final NumberFormatException | NullPointerException ex)
        {
            // reported below
        }
        throw new IllegalArgumentException("invalid \"" + option + "\": expected a whole number " + min + ".." + max);
    }

    static long optionSeconds(final String option, final String value)
    {
        try
        {
            final long seconds = NginxTime.parseSeconds(value == null ? "" : value);
            if (seconds >= 1)
            {
                return TimeUnit.SECONDS.toNanos(seconds);
            }
        }
        catch (final IllegalArgumentException ex)
        {
            // reported below
        }
        throw new IllegalArgumentException("invalid \"" + option + "\": expected a time such as 10s or 1m");
    }

    static boolean flag(final String option, final String value)
    {
        if (value != null)
        {
            throw new IllegalArgumentException("\"" + option + "\" takes no value");
        }
        return true;
    }
}
