package io.vigil.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;

/**
 * A resolve that failed inside the HOCON library itself ({@link ConfigException.BugOrBroken}, e.g. "replace in parent
 * not possible", found by the fuzzer with optional substitutions merged and concatenated across repeated keys). Its
 * message names no line and prints the whole tree being resolved, system properties included. The refusal names
 * the value on the lowest line of the user's file that still holds a substitution instead, and keeps only the
 * library's first words, none of the values it renders after them.
 */
final class UnresolvableSubstitution
{
    /** Enough of the library's message to search for; the rest is its dump of the resolve source. */
    private static final int MESSAGE_CHARS = 80;
    /** Objects and lists are walked at most this deep: the user's file is hostile input too. */
    private static final int MAX_DEPTH = 64;

    private UnresolvableSubstitution()
    {
    }

    /**
     * @param userRoot the user's file, parsed, not resolved.
     * @param source   the file's name.
     * @param ex       what the library threw.
     * @return the refusal to throw, naming file and line.
     */
    static ConfigError refusal(final ConfigObject userRoot, final String source, final ConfigException ex)
    {
        ConfigOrigin first;
        try
        {
            first = firstUnresolved(userRoot, 0);
        }
        catch (final RuntimeException walkFailed)
        {
            first = null; // the library failed again: the file alone is still named, and nothing of its dump
        }
        final String where = first != null ? ConfigNode.describe(first) : source;
        // only the library's own words before it starts rendering values (which may hold substituted ones)
        final String said = String.valueOf(ex.getMessage());
        final int values = said.indexOf('(');
        final String words = (values >= 0 ? said.substring(0, values) : said).trim();
        final String shortSaid = words.length() > MESSAGE_CHARS ? words.substring(0, MESSAGE_CHARS) + "..." : words;
        return new ConfigError(where + ": substitutions here (or merged with this value) cannot be resolved;" +
            " write each key once, without ${?...} inside concatenations (the HOCON library said: " +
            shortSaid.replace('\n', ' ') + ")");
    }

    /**
     * @return the origin of the value on the lowest line that still holds a substitution (the library's objects
     * are hash maps: their order is not the file's), or null when none is found.
     */
    private static ConfigOrigin firstUnresolved(final ConfigValue value, final int depth)
    {
        if (depth > MAX_DEPTH)
        {
            return null;
        }
        final Iterable<? extends ConfigValue> children;
        try
        {
            // an unresolved value (reference, concatenation, delayed merge) refuses to tell its type or contents
            switch (value.valueType())
            {
                case OBJECT:
                    children = ((ConfigObject)value).values();
                    break;
                case LIST:
                    children = (ConfigList)value;
                    break;
                default:
                    return null;
            }
            ConfigOrigin first = null;
            for (final ConfigValue child : children)
            {
                final ConfigOrigin found = firstUnresolved(child, depth + 1);
                if (found != null && (first == null || line(found) < line(first)))
                {
                    first = found;
                }
            }
            return first;
        }
        catch (final ConfigException.NotResolved unresolved)
        {
            return value.origin();
        }
    }

    /** A merged origin may have no single line: it sorts last. */
    private static int line(final ConfigOrigin origin)
    {
        return origin.lineNumber() > 0 ? origin.lineNumber() : Integer.MAX_VALUE;
    }
}
