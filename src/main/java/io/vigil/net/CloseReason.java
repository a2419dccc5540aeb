package io.vigil.net;

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
    /** The kernel timed out a peer on a socket without keepalive (retransmissions). */
    PEER_TIMEOUT("peer_timeout"),
    /** HTTP: a client or upstream timeout (client-header, client-body, send, read) ended the connection. */
    TIMEOUT("timeout"),
    /** HTTP: a message broke framing in a way that cannot be answered (e.g. a bad chunk mid-body). */
    PROTOCOL_ERROR("protocol_error"),
    /** No traffic either way for proxy-timeout. */
    IDLE_TIMEOUT("idle_timeout"),
    /** No upstream server could be connected within the allowed tries. */
    CONNECT_FAILED("connect_failed"),
    /** A health check marked the upstream server down and its upstream has on-down = close-sessions. */
    SERVER_DOWN("server_down"),
    /** Vigil is shutting down and the grace period ended. */
    SHUTDOWN("shutdown"),
    /** Any other I/O failure. */
    ERROR("error");

    /** Linux errno ETIMEDOUT. */
    public static final int ETIMEDOUT = 110;
    /** Linux errno ECONNRESET. */
    public static final int ECONNRESET = 104;
    /** Linux errno EPIPE. */
    public static final int EPIPE = 32;

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
     * Classify a failed read or write. NIO reports errno only as text, so this matches the JDK's messages
     * ("Connection timed out", "Connection reset", "Broken pipe").
     *
     * @param ex        the failure.
     * @param keepalive whether the socket had SO_KEEPALIVE on, which is what makes ETIMEDOUT a keepalive verdict.
     * @return the reason.
     */
    public static CloseReason of(final IOException ex, final boolean keepalive)
    {
        final String message = ex.getMessage();
        if (message != null)
        {
            if (message.contains("timed out"))
            {
                return keepalive ? KEEPALIVE_TIMEOUT : PEER_TIMEOUT;
            }
            if (message.contains("reset") || message.contains("Broken pipe"))
            {
                return RESET;
            }
        }
        return ERROR;
    }

    /**
     * Classify a pending socket error read with SO_ERROR.
     *
     * @param errno     the error number, 0 when none is pending.
     * @param keepalive whether the socket had SO_KEEPALIVE on.
     * @return the reason.
     */
    public static CloseReason ofErrno(final int errno, final boolean keepalive)
    {
        switch (errno)
        {
            case ETIMEDOUT:
                return keepalive ? KEEPALIVE_TIMEOUT : PEER_TIMEOUT;
            case ECONNRESET:
            case EPIPE:
                return RESET;
            case 0:
                return EOF;
            default:
                return ERROR;
        }
    }
}
