package io.vigil.config;

import io.vigil.net.KeepAlive;
import io.vigil.net.UserTimeout;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Value readers every part of the configuration shares: named choices, log formats, so-keepalive, user-timeout.
 */
final class ConfigValues
{
    static final long MIN_TIMEOUT_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private ConfigValues()
    {
    }

    static <E extends Enum<E>> E choice(final ConfigNode node, final String key, final Class<E> type)
    {
        final String text = node.string(key);
        try
        {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
        catch (final IllegalArgumentException ex)
        {
            final StringBuilder known = new StringBuilder();
            for (final E value : type.getEnumConstants())
            {
                known.append(known.length() == 0 ? "" : ", ").append(value.name().toLowerCase(Locale.ROOT)
                    .replace('_', '-'));
            }
            throw node.error(key, "unknown value \"" + text + "\" (one of: " + known + ")");
        }
    }

    static LogFormat format(final ConfigNode node, final String key)
    {
        final String text = node.string(key);
        switch (text)
        {
            case "text":
                return LogFormat.TEXT;
            case "json":
                return LogFormat.JSON;
            default:
                throw node.error(key, "unknown format \"" + text + "\" (supported: text, json)");
        }
    }

    static KeepAlive keepAlive(final ConfigNode node)
    {
        try
        {
            return KeepAliveSyntax.parse(node.string("so-keepalive"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw node.error("so-keepalive", ex.getMessage());
        }
    }

    /** {@code user-timeout}: off, auto (needs so-keepalive on) or a time of 1ms..~24 days (an int of ms). */
    static UserTimeout userTimeout(final ConfigNode node)
    {
        final String text = node.string("user-timeout");
        if (text.equals("off") || text.equals("false"))
        {
            return UserTimeout.OFF;
        }
        if (text.equals("auto"))
        {
            if (!keepAlive(node).enabled())
            {
                throw node.error("user-timeout", "auto means idle + intvl x cnt of so-keepalive, which is not on here");
            }
            return UserTimeout.AUTO;
        }
        final long ms = TimeUnit.NANOSECONDS.toMillis(node.durationNs("user-timeout", MIN_TIMEOUT_NS));
        if (ms > UserTimeout.MAX_MS)
        {
            throw node.error("user-timeout", "must be at most " + UserTimeout.MAX_MS + "ms");
        }
        return new UserTimeout(UserTimeout.Mode.FIXED, ms);
    }

    static Set<String> union(final Set<String> a, final Set<String> b)
    {
        final Set<String> result = new HashSet<>(a);
        result.addAll(b);
        return result;
    }
}
