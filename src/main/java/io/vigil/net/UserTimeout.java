package io.vigil.net;

/**
 * A {@code user-timeout} setting: how long data sent to a peer may stay unacknowledged before the connection is
 * given up (the kernel's TCP_USER_TIMEOUT, RFC 5482). Off, a fixed time, or {@code auto}: the side's own keepalive
 * budget, idle + intvl x cnt, so that a dead peer is found as fast with data in flight as when idle. Immutable.
 *
 * @param mode  off, fixed or auto.
 * @param ms    the fixed time in milliseconds ({@link Mode#FIXED} only).
 */
public record UserTimeout(Mode mode, long ms)
{
    /** No user timeout: the kernel retransmits for tcp_retries2 (~15 minutes). */
    public static final UserTimeout OFF = new UserTimeout(Mode.OFF, 0);
    /** The side's keepalive budget. */
    public static final UserTimeout AUTO = new UserTimeout(Mode.AUTO, 0);
    /** The largest value TCP_USER_TIMEOUT takes (an int of milliseconds). */
    public static final long MAX_MS = Integer.MAX_VALUE;

    /** How the timeout is chosen. */
    public enum Mode
    {
        /** Not set. */
        OFF,
        /** A configured time. */
        FIXED,
        /** idle + intvl x cnt of the same side's so-keepalive. */
        AUTO
    }

    /**
     * @param keepAlive the same side's keepalive setting.
     * @param system    the kernel's keepalive defaults, for empty fields.
     * @return the timeout in milliseconds, 0 when off (or auto with keepalive not enabled).
     */
    public long effectiveMs(final KeepAlive keepAlive, final KeepAlive system)
    {
        switch (mode)
        {
            case FIXED:
                return ms;
            case AUTO:
                final long budgetSec = keepAlive.deadPeerDetectionSec(system);
                return budgetSec <= 0 ? 0 : Math.min(MAX_MS, budgetSec * 1000);
            default:
                return 0;
        }
    }

    /**
     * @return the value as a user writes it.
     */
    @Override
    public String toString()
    {
        switch (mode)
        {
            case FIXED:
                return ms + "ms";
            case AUTO:
                return "auto";
            default:
                return "off";
        }
    }
}
