package io.vigil.config;

import java.net.InetSocketAddress;

/**
 * The admin listener: metrics, health and readiness, live connections, the effective configuration, a status
 * page, and (loopback only unless allowed) actions that change state. Immutable.
 *
 * @param listen             where it listens, or null for none ({@code listen = off}, the default).
 * @param allowRemoteChanges whether peers other than loopback may change state (POST /reload).
 */
public record AdminConfig(InetSocketAddress listen, boolean allowRemoteChanges)
{
    /** No admin listener. */
    public static final AdminConfig OFF = new AdminConfig(null, false);

    /**
     * @return true when there is an admin listener.
     */
    public boolean enabled()
    {
        return listen != null;
    }
}
