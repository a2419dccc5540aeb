package io.vigil.config;

/**
 * A configuration value Vigil refuses, with the file, line and key that hold it.
 */
public final class ConfigError extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param location "file:line" or the best origin description available.
     * @param key      full path of the offending key, e.g. {@code vigil.listeners[0].so-keepalive}.
     * @param problem  what is wrong and what is accepted.
     */
    public ConfigError(final String location, final String key, final String problem)
    {
        super(location + ": " + key + ": " + problem);
    }

    /**
     * @param message a complete message that already names its location.
     */
    public ConfigError(final String message)
    {
        super(message);
    }
}
