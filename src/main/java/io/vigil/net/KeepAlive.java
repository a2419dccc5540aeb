package io.vigil.net;

/**
 * A socket's keepalive setting: leave it alone, off, or on with TCP_KEEPIDLE/INTVL/CNT where given (any field may
 * be the kernel's default). Parsed from nginx's {@code so_keepalive} syntax by
 * {@code io.vigil.config.KeepAliveSyntax}. Immutable.
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
