package io.vigil.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A HOCON object seen through Vigil's rules: typed getters whose failures name the file, line and full key,
 * and a check that every key the user wrote is one Vigil knows. Used only while loading.
 */
final class ConfigNode
{
    private final Config config;
    private final String path;
    private final ConfigOrigin origin;
    /**
     * Where the nearest enclosing value stands in the user's file, for a node whose own value came from elsewhere
     * (a substitution of a system property or environment variable has no line): errors still name file and line.
     */
    private final String enclosing;

    /**
     * @param config    the node's values, defaults merged in.
     * @param path      the node's full key.
     * @param origin    where the node's own value comes from.
     * @param enclosing {@link #location()} of the node that holds this one.
     */
    ConfigNode(final Config config, final String path, final ConfigOrigin origin, final String enclosing)
    {
        this.config = config;
        this.path = path;
        this.origin = origin;
        this.enclosing = enclosing;
    }

    String path()
    {
        return path;
    }

    Config config()
    {
        return config;
    }

    String key(final String name)
    {
        return path + "." + name;
    }

    /**
     * @param name a key of this node.
     * @return "file:line" of the value, or of this node when the value is not there.
     */
    String location(final String name)
    {
        return config.hasPath(name) ? describe(config.getValue(name).origin(), location()) : location();
    }

    String location()
    {
        return describe(origin, enclosing);
    }

    ConfigError error(final String name, final String problem)
    {
        return new ConfigError(location(name), key(name), problem);
    }

    void rejectUnknownKeys(final ConfigObject written, final Set<String> known)
    {
        for (final String name : written.keySet())
        {
            if (!known.contains(name))
            {
                throw new ConfigError(describe(written.get(name).origin(), location()), key(name),
                    "unknown key (known keys: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        }
    }

    void require(final String name)
    {
        if (!config.hasPath(name))
        {
            throw new ConfigError(location(), key(name), "missing required key");
        }
    }

    String string(final String name)
    {
        require(name);
        try
        {
            return config.getString(name);
        }
        catch (final ConfigException.WrongType ex)
        {
            throw error(name, "expected a string, got " + valueType(name));
        }
    }

    int integer(final String name, final int min, final int max)
    {
        require(name);
        final int value;
        try
        {
            value = config.getInt(name);
        }
        catch (final ConfigException.WrongType ex)
        {
            throw error(name, "expected a whole number, got " + valueType(name));
        }
        if (value < min || value > max)
        {
            throw error(name, value + " is out of range " + min + ".." + max);
        }
        return value;
    }

    boolean bool(final String name)
    {
        require(name);
        try
        {
            return config.getBoolean(name);
        }
        catch (final ConfigException.WrongType ex)
        {
            throw error(name, "expected true or false, got " + valueType(name));
        }
    }

    long durationNs(final String name, final long minNs)
    {
        require(name);
        final long ns;
        try
        {
            ns = config.getDuration(name, TimeUnit.NANOSECONDS);
        }
        catch (final ConfigException.WrongType | ConfigException.BadValue ex)
        {
            throw error(name, "expected a duration such as 500ms, 5s, 10m or 1h, got " + valueType(name));
        }
        if (ns < minNs)
        {
            throw error(name, "must be at least " + TimeUnit.NANOSECONDS.toMillis(minNs) + "ms");
        }
        return ns;
    }

    int bytes(final String name, final int min, final int max)
    {
        return (int)longBytes(name, min, max);
    }

    long longBytes(final String name, final long min, final long max)
    {
        require(name);
        final long value;
        try
        {
            value = config.getBytes(name);
        }
        catch (final ConfigException.WrongType | ConfigException.BadValue ex)
        {
            throw error(name, "expected a size such as 16k or 65536, got " + valueType(name));
        }
        if (value < min || value > max)
        {
            throw error(name, value + " is out of range " + min + ".." + max + " bytes");
        }
        return value;
    }

    List<ConfigValue> list(final String name)
    {
        require(name);
        try
        {
            return new ArrayList<>(config.getList(name));
        }
        catch (final ConfigException.WrongType ex)
        {
            throw error(name, "expected a list [ ... ], got " + valueType(name));
        }
    }

    ConfigObject object(final String name)
    {
        require(name);
        try
        {
            return config.getObject(name);
        }
        catch (final ConfigException.WrongType ex)
        {
            throw error(name, "expected an object { ... }, got " + valueType(name));
        }
    }

    private String valueType(final String name)
    {
        final ConfigValue value = config.getValue(name);
        return value.valueType().name().toLowerCase() + " " + value.render();
    }

    /**
     * Where a value came from: its own "file:line" or, for a value substituted from an environment variable or a
     * system property (which has no line), the place of the object holding it, saying where the value came from.
     *
     * @param value  the value's origin.
     * @param holder {@link #describe(ConfigOrigin)} of the enclosing object.
     * @return "file:line", or "file:line (value from env variables)".
     */
    static String describe(final ConfigOrigin value, final String holder)
    {
        if (value.lineNumber() > 0)
        {
            return describe(value);
        }
        // a holder that is itself substituted already says where from
        return holder.endsWith(")") ? holder : holder + " (value from " + value.description() + ")";
    }

    static String describe(final ConfigOrigin origin)
    {
        if (origin.filename() != null && origin.lineNumber() > 0)
        {
            return origin.filename() + ":" + origin.lineNumber();
        }
        return origin.description();
    }
}
