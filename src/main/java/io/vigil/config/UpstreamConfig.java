package io.vigil.config;

import java.util.List;

/**
 * One upstream group: the servers sessions are forwarded to and how Vigil connects to them. Immutable.
 *
 * @param name              the group's name, as listeners refer to it.
 * @param servers           the servers, in the order written.
 * @param connectTimeoutNs  give up on a connect after this long (nginx proxy_connect_timeout).
 * @param nextUpstreamTries servers to try per session before giving up; 0 means each server once.
 * @param soKeepalive       TCP keepalive for upstream sockets, set before connect.
 */
public record UpstreamConfig(
    String name,
    List<ServerConfig> servers,
    long connectTimeoutNs,
    int nextUpstreamTries,
    KeepAliveConfig soKeepalive)
{
    /**
     * @return how many connect attempts a session may make.
     */
    public int maxTries()
    {
        return nextUpstreamTries == 0 ? servers.size() : nextUpstreamTries;
    }
}
