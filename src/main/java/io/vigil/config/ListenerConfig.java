package io.vigil.config;

import io.vigil.net.KeepAlive;
import io.vigil.net.UserTimeout;
import java.net.InetSocketAddress;

/**
 * One listener: where to accept, how to tune accepted sockets and where to send their traffic. Immutable.
 *
 * @param name           operator-facing name, used in logs.
 * @param listen         the bind address.
 * @param mode           the protocol mode.
 * @param upstream       name of the upstream group sessions are forwarded to (with routes: the default route's, or
 *                       else the first route's).
 * @param soKeepalive    TCP keepalive for accepted (downstream) sockets.
 * @param proxyTimeoutNs close a session after this long with no traffic either way (nginx proxy_timeout).
 * @param drainTimeoutNs  after a reload, how long sessions of the previous configuration may go on; 0 = never cut.
 * @param backlog        listen backlog.
 * @param reuseport      bind one socket per event loop with SO_REUSEPORT (nginx {@code reuseport}).
 * @param tcpNodelay     set TCP_NODELAY on both sides of a session.
 * @param bufferSize     bytes buffered per direction per session while data is in flight.
 * @param accessLog      write access-log lines for this listener's sessions (nginx {@code access_log off}).
 * @param accessLogFormat  text or json.
 * @param http           client-side HTTP settings ({@code mode = http} only; null for tcp).
 * @param limits         max-connections and max-connections-per-client.
 * @param userTimeout    TCP_USER_TIMEOUT for accepted sockets (off, a time, or auto from so-keepalive).
 * @param proxyProtocol  whether connections start with a PROXY protocol header, and from whom.
 * @param routes         upstreams by TLS server name ({@code mode = tcp} only), or null: all go to upstream.
 * @param halfClose      forward a FIN as a half-close and wait for the other side's ({@code mode = tcp}; nginx
 *                       proxy_half_close); false: the first FIN, once what preceded it is delivered, closes both.
 */
public record ListenerConfig(
    String name,
    InetSocketAddress listen,
    Mode mode,
    String upstream,
    KeepAlive soKeepalive,
    long proxyTimeoutNs,
    long drainTimeoutNs,
    int backlog,
    boolean reuseport,
    boolean tcpNodelay,
    int bufferSize,
    boolean accessLog,
    LogFormat accessLogFormat,
    HttpListenerConfig http,
    ConnectionLimits limits,
    UserTimeout userTimeout,
    ProxyProtocolConfig proxyProtocol,
    SniRoutes routes,
    boolean halfClose)
{
    /** Listener protocol mode. */
    public enum Mode
    {
        /** Relay bytes both ways. */
        TCP,
        /** HTTP/1.1 with client keep-alive and pooled upstream connections. */
        HTTP
    }
}
