package io.vigil.session;

import io.vigil.net.Errno;
import java.io.IOException;

/**
 * Why a session ended, as written in the access log. One value per cause an operator acts on differently.
 */
public enum CloseReason
{
    /** Both sides finished their streams (FIN each way, all bytes delivered). */
    EOF("eof"),
    /** A peer reset the connection, or a write hit a connection the peer had dropped. */
    RESET("reset"),
    /** The kernel declared a peer dead after unanswered keepalive probes (ETIMEDOUT). */
    KEEPALIVE_TIMEOUT("keepalive_timeout"),
    /**
     * The kernel gave up retransmitting to a peer that stopped acknowledging (ETIMEDOUT with data in flight, or
     * on a socket without keepalive): keepalive only probes idle connections.
     */
    PEER_TIMEOUT("peer_timeout"),
    /**
     * Data sent to a peer went unacknowledged (kernel TCP_USER_TIMEOUT), or waited with no write progress
     * (Vigil's write-stall timer where the kernel option cannot be set), for the side's user-timeout.
     */
    USER_TIMEOUT("user_timeout"),
    /** HTTP: a client or upstream timeout (client-header, client-body, send, read) ended the connection. */
    TIMEOUT("timeout"),
    /** HTTP: a message broke framing in a way that cannot be answered (e.g. a bad chunk mid-body). */
    PROTOCOL_ERROR("protocol_error"),
    /** No traffic either way for proxy-timeout. */
    IDLE_TIMEOUT("idle_timeout"),
    /** No upstream server could be connected within the allowed tries. */
    CONNECT_FAILED("connect_failed"),
    /** tcp with routes: the client's TLS server name (or its lack) matches no route, and there is no default. */
    NO_ROUTE("no_route"),
    /** A health check marked the upstream server down and its upstream has on-down = close-sessions. */
    SERVER_DOWN("server_down"),
    /**
     * A reload retired the session's configuration and its drain-timeout passed, or removed its server with
     * on-server-removed = close-sessions.
     */
    RELOAD("reload"),
    /** Vigil is shutting down and the grace period ended. */
    SHUTDOWN("shutdown"),
    /** No buffer could be had for the session's bytes: vigil.max-buffer-memory or the JVM's direct memory ran out. */
    BUFFER_MEMORY("buffer_memory"),
    /** Any other I/O failure. */
    ERROR("error");

    private final String logName;

    CloseReason(final String logName)
    {
        this.logName = logName;
    }

    /**
     * @return the name written in the access log.
     */
    public String logName()
    {
        return logName;
    }

    /**
     * @return true when the kernel declared the peer dead (a keepalive verdict or a retransmission timeout).
     */
    public boolean deadPeer()
    {
        return this == KEEPALIVE_TIMEOUT || this == PEER_TIMEOUT || this == USER_TIMEOUT;
    }

    /**
     * Classify a failed read or write by its errno ({@link Errno#of}, locale-proof).
     *
     * @param ex            the failure.
     * @param idleKeepAlive keepalive is on for the socket and nothing was in flight to its peer: only then is
     *                      ETIMEDOUT the keepalive verdict; otherwise it is the retransmission timeout.
     * @return the reason.
     */
    public static CloseReason of(final IOException ex, final boolean idleKeepAlive)
    {
        final int errno = Errno.of(ex);
        return errno == 0 ? ERROR : ofErrno(errno, idleKeepAlive);
    }

    /**
     * Classify a pending socket error read with SO_ERROR.
     *
     * @param errno         the error number, 0 when none is pending.
     * @param idleKeepAlive as for {@link #of(IOException, boolean)}.
     * @return the reason.
     */
    public static CloseReason ofErrno(final int errno, final boolean idleKeepAlive)
    {
        switch (errno)
        {
            case Errno.ETIMEDOUT:
                return idleKeepAlive ? KEEPALIVE_TIMEOUT : PEER_TIMEOUT;
            case Errno.ECONNRESET:
            case Errno.EPIPE:
                return RESET;
            case 0:
                return EOF;
            default:
                return ERROR;
        }
    }
}
