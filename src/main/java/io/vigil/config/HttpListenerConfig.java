package io.vigil.config;

/**
 * The client side of a {@code mode = http} listener, with nginx's meanings and defaults. Immutable.
 *
 * @param keepaliveTimeoutNs    close a client connection idle this long between requests (keepalive_timeout).
 * @param keepaliveRequests     requests served on one client connection before it is closed (keepalive_requests).
 * @param keepaliveTimeNs       a client connection older than this is closed after its current response
 *                              (keepalive_time).
 * @param clientHeaderTimeoutNs a request head must arrive within this long of its first byte, else 408
 *                              (client_header_timeout).
 * @param clientBodyTimeoutNs   the longest gap between two reads of a request body, else 408 (client_body_timeout).
 * @param sendTimeoutNs         the longest a response write to the client may stall (send_timeout).
 * @param clientMaxBodySize     largest request body accepted, else 413; 0 = no limit (client_max_body_size).
 * @param maxRequestLine        longest request line, else 414 (large_client_header_buffers size).
 * @param maxHeaderSize         longest request head, else 431.
 * @param addXForwarded         append the client address to X-Forwarded-For and set X-Forwarded-Proto.
 * @param addForwarded          append an RFC 7239 Forwarded element (for=, proto=).
 * @param allowConnect          forward CONNECT (a 2xx makes a raw tunnel); off: 405 and close.
 */
public record HttpListenerConfig(
    long keepaliveTimeoutNs,
    int keepaliveRequests,
    long keepaliveTimeNs,
    long clientHeaderTimeoutNs,
    long clientBodyTimeoutNs,
    long sendTimeoutNs,
    long clientMaxBodySize,
    int maxRequestLine,
    int maxHeaderSize,
    boolean addXForwarded,
    boolean addForwarded,
    boolean allowConnect)
{
}
