package io.vigil.config;

import io.vigil.net.KeepAlive;
import io.vigil.net.UserTimeout;
import java.util.List;

/**
 * One upstream group: the servers sessions are forwarded to and how Vigil connects to them. Immutable.
 *
 * @param name              the group's name, as listeners refer to it.
 * @param servers           the servers, in the order written.
 * @param connectTimeoutNs  give up on a connect after this long (nginx proxy_connect_timeout).
 * @param nextUpstreamTries servers to try per session before giving up; 0 means each server once.
 * @param soKeepalive       TCP keepalive for upstream sockets, set before connect.
 * @param balance           how a server is chosen for a new session.
 * @param hashKey           what {@code balance = hash} hashes.
 * @param consistent        ketama-style consistent hashing for {@code balance = hash}.
 * @param healthCheck       active health checks.
 * @param onDown            what happens to open sessions of a server marked down by a health check.
 * @param onServerRemoved   what happens to open sessions of a server a reload removed.
 * @param resolveIntervalNs re-resolve hostnames this often; 0 = only at startup.
 * @param http              timeouts and connection reuse for HTTP-mode listeners.
 * @param userTimeout       TCP_USER_TIMEOUT for upstream sockets (off, a time, or auto from so-keepalive).
 * @param sendProxyProtocol the PROXY protocol header sent first on each upstream connection (tcp listeners).
 */
public record UpstreamConfig(
    String name,
    List<ServerConfig> servers,
    long connectTimeoutNs,
    int nextUpstreamTries,
    KeepAlive soKeepalive,
    Balance balance,
    HashKey hashKey,
    boolean consistent,
    HealthCheckConfig healthCheck,
    OnDown onDown,
    OnServerRemoved onServerRemoved,
    long resolveIntervalNs,
    HttpUpstreamConfig http,
    UserTimeout userTimeout,
    SendProxyProtocol sendProxyProtocol)
{
    /** Balancing algorithms (nginx/HAProxy names in kebab-case). */
    public enum Balance
    {
        /** Smooth weighted round-robin (nginx default). */
        ROUND_ROBIN,
        /** Fewest active sessions relative to weight (nginx least_conn). */
        LEAST_CONN,
        /** By a hash of the client address (nginx hash / ip_hash). */
        HASH,
        /** Weighted random (nginx random). */
        RANDOM,
        /** Two weighted random picks, the one with fewer sessions wins (nginx random two least_conn). */
        RANDOM_TWO
    }

    /** What {@link Balance#HASH} hashes. */
    public enum HashKey
    {
        /** The client's IP address. */
        CLIENT_ADDRESS,
        /** The client's IP address and port. */
        CLIENT_ADDRESS_PORT
    }

    /** What a reload that removes a server does to its open sessions. */
    public enum OnServerRemoved
    {
        /** They run to their natural end. */
        KEEP,
        /** They are closed at once. */
        CLOSE_SESSIONS
    }

    /** What a health check marking a server down does to its open sessions. */
    public enum OnDown
    {
        /** Open sessions continue. */
        NONE,
        /** Open sessions to it are closed (HAProxy on-marked-down shutdown-sessions). */
        CLOSE_SESSIONS
    }

    /**
     * @return how many connect attempts a session may make with the startup addresses (see UpstreamGroup).
     */
    public int maxTries()
    {
        if (nextUpstreamTries != 0)
        {
            return nextUpstreamTries;
        }
        int peers = 0;
        for (final ServerConfig server : servers)
        {
            peers += server.addresses().size();
        }
        return Math.max(1, peers);
    }
}
