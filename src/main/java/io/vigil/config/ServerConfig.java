package io.vigil.config;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One {@code servers} entry, nginx-style: {@code "host:port weight=2 max-conns=100 max-fails=3 fail-timeout=10s
 * backup down"}. A hostname may stand for several addresses; each becomes a peer with these options.
 *
 * @param spec          the entry as written, for messages.
 * @param host          the host as written (name or literal).
 * @param port          the port.
 * @param addresses     the addresses it resolved to at load time.
 * @param weight        relative share of new sessions (default 1).
 * @param maxConns      most sessions at once across all loops; 0 = no limit.
 * @param maxFails      failures within fail-timeout that make it unavailable; 0 = never.
 * @param failTimeoutNs the failure window and how long it then stays unavailable.
 * @param backup        used only when no primary server is available.
 * @param down          permanently unavailable (kept in config, e.g. for maintenance).
 */
public record ServerConfig(
    String spec,
    String host,
    int port,
    List<InetSocketAddress> addresses,
    int weight,
    int maxConns,
    int maxFails,
    long failTimeoutNs,
    boolean backup,
    boolean down)
{
    /**
     * @return true when the host is a name (re-resolvable), not an IP literal.
     */
    public boolean isHostname()
    {
        return !(host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c)));
    }
}
