package io.vigil.config;

import io.vigil.net.KeepAlive;

/**
 * nginx's {@code so_keepalive} syntax: {@code on}, {@code off} or {@code idle:intvl:cnt} with any field empty
 * meaning "the kernel's default for that field", idle and intvl in nginx time units; {@code default} (Vigil's
 * spelling of "not set") leaves the socket alone. Values outside the kernel's limits are refused.
 */
public final class KeepAliveSyntax
{
    private KeepAliveSyntax()
    {
    }

    /**
     * Parse an nginx {@code so_keepalive} value.
     *
     * @param text the value as written.
     * @return the parsed config.
     * @throws IllegalArgumentException with a message saying what is wrong and what is accepted.
     */
    public static KeepAlive parse(final String text)
    {
        final String value = text.trim();
        switch (value)
        {
            case "default":
                return KeepAlive.NOT_SET;
            case "off":
            case "false":
                return new KeepAlive(KeepAlive.Mode.OFF, 0, 0, 0);
            case "on":
            case "true":
                return new KeepAlive(KeepAlive.Mode.ON, 0, 0, 0);
            default:
                break;
        }

        final String[] fields = value.split(":", -1);
        if (fields.length != 3)
        {
            throw new IllegalArgumentException("invalid so-keepalive value \"" + text +
                "\": expected on, off or idle:intvl:cnt (e.g. \"120:30:5\", \"30m::10\")");
        }
        final int idle = parseSeconds(fields[0], "idle", text);
        final int interval = parseSeconds(fields[1], "intvl", text);
        final int count = parseCount(fields[2], text);
        if (idle == KeepAlive.SYSTEM_DEFAULT && interval == KeepAlive.SYSTEM_DEFAULT &&
            count == KeepAlive.SYSTEM_DEFAULT)
        {
            // nginx rejects "::" as well: it says nothing
            throw new IllegalArgumentException("invalid so-keepalive value \"" + text +
                "\": at least one of idle, intvl, cnt must be given (or use on)");
        }
        return new KeepAlive(KeepAlive.Mode.ON, idle, interval, count);
    }

    private static int parseSeconds(final String field, final String name, final String text)
    {
        if (field.isEmpty())
        {
            return KeepAlive.SYSTEM_DEFAULT;
        }
        final long seconds;
        try
        {
            seconds = NginxTime.parseSeconds(field);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("invalid so-keepalive " + name + " \"" + field + "\" in \"" + text +
                "\": " + ex.getMessage(), ex);
        }
        if (seconds < 1 || seconds > KeepAlive.MAX_IDLE_OR_INTERVAL_SEC)
        {
            throw new IllegalArgumentException("so-keepalive " + name + " \"" + field + "\" in \"" + text +
                "\" is out of range: the kernel accepts 1.." + KeepAlive.MAX_IDLE_OR_INTERVAL_SEC + " seconds");
        }
        return (int)seconds;
    }

    private static int parseCount(final String field, final String text)
    {
        if (field.isEmpty())
        {
            return KeepAlive.SYSTEM_DEFAULT;
        }
        final int count;
        try
        {
            if (!field.chars().allMatch(c -> c >= '0' && c <= '9'))
            {
                // Integer.parseInt would take a sign and other scripts' digits; nginx takes ASCII digits only
                throw new NumberFormatException(field);
            }
            count = Integer.parseInt(field);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("invalid so-keepalive cnt \"" + field + "\" in \"" + text +
                "\": expected a whole number of probes", ex);
        }
        if (count < 1 || count > KeepAlive.MAX_COUNT)
        {
            throw new IllegalArgumentException("so-keepalive cnt \"" + field + "\" in \"" + text +
                "\" is out of range: the kernel accepts 1.." + KeepAlive.MAX_COUNT + " probes");
        }
        return count;
    }
}
