package io.vigil.http.codec;

/**
 * The statuses Vigil answers itself (RFC 9110 §15): why a request was refused or could not be served.
 */
public enum HttpStatus
{
    /** Not refused. */
    OK(0, ""),
    /** Malformed or ambiguous: could desync the connection or smuggle a request. */
    BAD_REQUEST(400, "Bad Request"),
    /** CONNECT on a listener without allow-connect. */
    METHOD_NOT_ALLOWED(405, "Method Not Allowed"),
    /** The request head or body did not arrive in time (client-header-timeout, client-body-timeout). */
    REQUEST_TIMEOUT(408, "Request Timeout"),
    /** The request body is larger than client-max-body-size. */
    CONTENT_TOO_LARGE(413, "Content Too Large"),
    /** The request line is longer than max-request-line. */
    URI_TOO_LONG(414, "URI Too Long"),
    /** The head is longer than max-header-size, or has too many fields. */
    HEADERS_TOO_LARGE(431, "Request Header Fields Too Large"),
    /** HTTP/2 or another version on an HTTP/1.x connection. */
    VERSION_NOT_SUPPORTED(505, "HTTP Version Not Supported"),
    /** No upstream could be reached, or it answered with something that is not a valid response. */
    BAD_GATEWAY(502, "Bad Gateway"),
    /** Every server of the upstream is down or at max-conns. */
    SERVICE_UNAVAILABLE(503, "Service Unavailable"),
    /** The upstream did not answer in time (read-timeout, send-timeout). */
    GATEWAY_TIMEOUT(504, "Gateway Timeout");

    private final int code;
    private final String reason;

    HttpStatus(final int code, final String reason)
    {
        this.code = code;
        this.reason = reason;
    }

    /**
     * @return the status code.
     */
    public int code()
    {
        return code;
    }

    /**
     * @return the reason phrase.
     */
    public String reason()
    {
        return reason;
    }
}
