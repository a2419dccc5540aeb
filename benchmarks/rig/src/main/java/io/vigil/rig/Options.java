package io.vigil.rig;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code --name value} command-line options with the rig's units: durations (500ms, 5s, 2m), sizes (64, 16k,
 * 1m) and HOST:PORT. Unknown options are refused, so a typo never runs a different benchmark than asked.
 */
final class Options
{
    private final Map<String, String> values = new HashMap<>();

    /**
     * @param args  the arguments after the subcommand.
     * @param known the option names accepted (without dashes); flags listed in {@code flags} take no value.
     * @param flags options that take no value.
     */
    Options(final String[] args, final Set<String> known, final Set<String> flags)
    {
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (!arg.startsWith("--"))
            {
                throw new IllegalArgumentException("unexpected argument \"" + arg + "\"");
            }
            String name = arg.substring(2);
            String value = null;
            final int eq = name.indexOf('=');
            if (eq >= 0)
            {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!known.contains(name) && !flags.contains(name))
            {
                throw new IllegalArgumentException("unknown option --" + name);
            }
            if (flags.contains(name))
            {
                values.put(name, value == null ? "true" : value);
                continue;
            }
            if (value == null)
            {
                if (i + 1 == args.length)
                {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            values.put(name, value);
        }
    }

    String string(final String name, final String fallback)
    {
        return values.getOrDefault(name, fallback);
    }

    String required(final String name)
    {
        final String value = values.get(name);
        if (value == null)
        {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    boolean flag(final String name)
    {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    long integer(final String name, final long fallback, final long min, final long max)
    {
        final String value = values.get(name);
        if (value == null)
        {
            return fallback;
        }
        final long parsed;
        try
        {
            parsed = Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--" + name + ": expected a whole number, got \"" + value + "\"");
        }
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException("--" + name + ": " + parsed + " is out of range " + min + ".." + max);
        }
        return parsed;
    }

    long durationNs(final String name, final String fallback)
    {
        return parseDurationNs(name, values.getOrDefault(name, fallback));
    }

    int size(final String name, final int fallback, final int min, final int max)
    {
        final String value = values.get(name);
        if (value == null)
        {
            return fallback;
        }
        final String v = value.trim().toLowerCase(Locale.ROOT);
        long scale = 1;
        String digits = v;
        if (v.endsWith("k"))
        {
            scale = 1024;
            digits = v.substring(0, v.length() - 1);
        }
        else if (v.endsWith("m"))
        {
            scale = 1024 * 1024;
            digits = v.substring(0, v.length() - 1);
        }
        final long parsed;
        try
        {
            parsed = Long.parseLong(digits) * scale;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--" + name + ": expected a size such as 64, 16k or 1m, got \"" +
                value + "\"");
        }
        if (parsed < min || parsed > max)
        {
            throw new IllegalArgumentException("--" + name + ": " + parsed + " is out of range " + min + ".." + max);
        }
        return (int)parsed;
    }

    InetSocketAddress address(final String name)
    {
        return parseAddress(name, required(name));
    }

    static InetSocketAddress parseAddress(final String name, final String value)
    {
        final int colon = value.lastIndexOf(':');
        if (colon <= 0)
        {
            throw new IllegalArgumentException("--" + name + ": expected HOST:PORT, got \"" + value + "\"");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(value.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--" + name + ": bad port in \"" + value + "\"");
        }
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("--" + name + ": port out of range in \"" + value + "\"");
        }
        return new InetSocketAddress(host, port);
    }

    static long parseDurationNs(final String name, final String value)
    {
        final String v = value.trim().toLowerCase(Locale.ROOT);
        final String[][] units = {{"ms", "1000000"}, {"us", "1000"}, {"s", "1000000000"}, {"m", "60000000000"}};
        for (final String[] unit : units)
        {
            if (v.endsWith(unit[0]))
            {
                try
                {
                    final double amount = Double.parseDouble(v.substring(0, v.length() - unit[0].length()));
                    if (amount < 0)
                    {
                        break;
                    }
                    return (long)(amount * Long.parseLong(unit[1]));
                }
                catch (final NumberFormatException ex)
                {
                    break;
                }
            }
        }
        try
        {
            return TimeUnit.SECONDS.toNanos(Long.parseLong(v)); // a bare number is seconds, as in wrk
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--" + name + ": expected a duration such as 500ms, 5s or 2m, got \"" +
                value + "\"");
        }
    }
}
