package io.vigil.net;

import io.vigil.config.NginxTime;
/**
 * A parsed {@code so-keepalive} value, nginx syntax: {@code on}, {@code off} or {@code idle:intvl:cnt}
 * with any field empty meaning "system default for that field". {@code default} (Vigil's spelling of
 * "not set") leaves the socket alone. Immutable.
 *
 * @param mode        whether SO_KEEPALIVE is left alone, turned off or turned on.
 * @param idleSec     TCP_KEEPIDLE in seconds, or {@link #SYSTEM_DEFAULT}.
 * @param intervalSec TCP_KEEPINTVL in seconds, or {@link #SYSTEM_DEFAULT}.
 * @param count       TCP_KEEPCNT, or {@link #SYSTEM_DEFAULT}.
 */
public record KeepAlive(Mode mode, int idleSec, int intervalSec, int count)
{
    /** Field value meaning "do not set this option; the kernel's sysctl applies". */
    public static final int SYSTEM_DEFAULT = 0;
    /** Kernel limit for TCP_KEEPIDLE and TCP_KEEPINTVL (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL). */
    public static final int MAX_IDLE_OR_INTERVAL_SEC = 32767;
    /** Kernel limit for TCP_KEEPCNT (MAX_TCP_KEEPCNT). */
    public static final int MAX_COUNT = 127;

    /** Leave SO_KEEPALIVE and its tunables as the socket has them. */
    public static final KeepAlive NOT_SET = new KeepAlive(Mode.NOT_SET, 0, 0, 0);

    /** What to do with SO_KEEPALIVE. */
    public enum Mode
    {
        /** Not configured: do not touch the socket (nginx: no so_keepalive parameter). */
        NOT_SET,
        /** Explicitly disable SO_KEEPALIVE. */
        OFF,
        /** Enable SO_KEEPALIVE, with any non-default tunables. */
        ON
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
                return NOT_SET;
            case "off":
            case "false":
                return new KeepAlive(Mode.OFF, 0, 0, 0);
            case "on":
            case "true":
                return new KeepAlive(Mode.ON, 0, 0, 0);
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
        if (idle == SYSTEM_DEFAULT && interval == SYSTEM_DEFAULT && count == SYSTEM_DEFAULT)
        {
            // nginx rejects "::" as well: it says nothing
            throw new IllegalArgumentException("invalid so-keepalive value \"" + text +
                "\": at least one of idle, intvl, cnt must be given (or use on)");
        }
        return new KeepAlive(Mode.ON, idle, interval, count);
    }

    private static int parseSeconds(final String field, final String name, final String text)
    {
        if (field.isEmpty())
        {
            return SYSTEM_DEFAULT;
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
        if (seconds < 1 || seconds > MAX_IDLE_OR_INTERVAL_SEC)
        {
            throw new IllegalArgumentException("so-keepalive " + name + " \"" + field + "\" in \"" + text +
                "\" is out of range: the kernel accepts 1.." + MAX_IDLE_OR_INTERVAL_SEC + " seconds");
        }
        return (int)seconds;
    }

    private static int parseCount(final String field, final String text)
    {
        if (field.isEmpty())
        {
            return SYSTEM_DEFAULT;
        }
        final int count;
        try
        {
            count = Integer.parseInt(field);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("invalid so-keepalive cnt \"" + field + "\" in \"" + text +
                "\": expected a whole number of probes", ex);
        }
        if (count < 1 || count > MAX_COUNT)
        {
            throw new IllegalArgumentException("so-keepalive cnt \"" + field + "\" in \"" + text +
                "\" is out of range: the kernel accepts 1.." + MAX_COUNT + " probes");
        }
        return count;
    }

    /**
     * @return true when SO_KEEPALIVE is turned on by this config.
     */
    public boolean enabled()
    {
        return mode == Mode.ON;
    }

    /**
     * The values the kernel will actually use, with empty fields filled from the system defaults.
     *
     * @param system the kernel's sysctl defaults.
     * @return a config with every field set, or this config when keepalive is not enabled.
     */
    public KeepAlive effective(final KeepAlive system)
    {
        if (mode != Mode.ON)
        {
            return this;
        }
        return new KeepAlive(
            Mode.ON,
            idleSec != SYSTEM_DEFAULT ? idleSec : system.idleSec,
            intervalSec != SYSTEM_DEFAULT ? intervalSec : system.intervalSec,
            count != SYSTEM_DEFAULT ? count : system.count);
    }

    /**
     * Worst-case time for the kernel to declare a silent peer dead: idle + intvl x cnt.
     *
     * @param system the kernel's sysctl defaults, for empty fields.
     * @return seconds, or -1 when keepalive is not enabled.
     */
    public long deadPeerDetectionSec(final KeepAlive system)
    {
        if (mode != Mode.ON)
        {
            return -1;
        }
        final KeepAlive e = effective(system);
        return e.idleSec + (long)e.intervalSec * e.count;
    }

    /**
     * @return the value in nginx syntax, as a user would write it.
     */
    @Override
    public String toString()
    {
        switch (mode)
        {
            case NOT_SET:
                return "default";
            case OFF:
                return "off";
            default:
                if (idleSec == 0 && intervalSec == 0 && count == 0)
                {
                    return "on";
                }
                return field(idleSec) + ":" + field(intervalSec) + ":" + field(count);
        }
    }

    private static String field(final int value)
    {
        return value == SYSTEM_DEFAULT ? "" : Integer.toString(value);
    }
}
