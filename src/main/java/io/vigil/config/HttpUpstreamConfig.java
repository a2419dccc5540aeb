package io.vigil.config;

/**
 * How HTTP-mode listeners talk to an upstream group: timeouts and the pool of idle connections kept for reuse
 * (nginx's proxy_read_timeout, proxy_send_timeout and upstream keepalive directives). Immutable.
 *
 * @param readTimeoutNs        the longest gap between two reads of the upstream's response, else 504 (or a close
 *                             once the response started).
 * @param sendTimeoutNs        the longest a request write to the upstream may stall, else 504.
 * @param keepaliveIdle        idle connections kept per event loop (nginx: per worker); 0 = no reuse.
 * @param keepaliveTimeoutNs   close a pooled connection idle this long.
 * @param keepaliveRequests    requests one upstream connection carries before it is closed.
 * @param keepaliveTimeNs      an upstream connection older than this is not reused.
 */
public record HttpUpstreamConfig(
    long readTimeoutNs,
    long sendTimeoutNs,
    int keepaliveIdle,
    long keepaliveTimeoutNs,
    int keepaliveRequests,
    long keepaliveTimeNs)
{
}
