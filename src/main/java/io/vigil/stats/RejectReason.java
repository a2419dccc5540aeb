package io.vigil.stats;

/**
 * Why an accepted connection was closed at once, as a metric label ({@code vigil_listener_connections_rejected_total}).
 */
public enum RejectReason
{
    /** The target loop's command queue was full: refused rather than queued without bound. */
    OVERLOADED("overloaded"),
    /** The listener had max-connections open. */
    MAX_CONNECTIONS("max_connections"),
    /** The client's address had max-connections-per-client open. */
    MAX_CONNECTIONS_PER_CLIENT("max_connections_per_client"),
    /** proxy-protocol = on: the peer is outside proxy-protocol-trusted. */
    PROXY_UNTRUSTED("proxy_untrusted"),
    /** proxy-protocol = on: the connection did not start with a valid PROXY header. */
    PROXY_INVALID("proxy_invalid"),
    /** proxy-protocol = on: the header was not complete within proxy-protocol-timeout. */
    PROXY_TIMEOUT("proxy_timeout"),
    /** proxy-protocol = on: the peer closed or reset the connection before its header was complete. */
    PROXY_CLOSED("proxy_closed"),
    /** No buffer could be lent to it: the buffer memory (vigil.max-buffer-memory) was used up. */
    BUFFER_MEMORY("buffer_memory");

    private final String label;

    RejectReason(final String label)
    {
        this.label = label;
    }

    /**
     * @return the label value.
     */
    public String label()
    {
        return label;
    }
}
