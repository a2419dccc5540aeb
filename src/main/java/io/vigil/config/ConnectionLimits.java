package io.vigil.config;

/**
 * A listener's connection limits (nginx {@code limit_conn}, HAProxy {@code maxconn}): connections over either
 * are closed at once after accept and counted by reason. Immutable.
 *
 * @param maxConnections   open connections of the listener, all loops and generations together; 0 = no limit.
 * @param maxPerClient     open connections from one client address; 0 = no limit.
 */
public record ConnectionLimits(int maxConnections, int maxPerClient)
{
    /** No limits. */
    public static final ConnectionLimits NONE = new ConnectionLimits(0, 0);

    /**
     * @return true when any limit is set.
     */
    public boolean any()
    {
        return maxConnections > 0 || maxPerClient > 0;
    }
}
