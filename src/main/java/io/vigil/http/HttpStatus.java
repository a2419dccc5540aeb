package io.vigil.http;

/**
 * Why a message head was refused, with the status a server answers (RFC 9110 §15).
 */
public enum HttpStatus
{
    /** Not refused. */
    OK(0, ""),
    /** Malformed or ambiguous: could desync the connection or smuggle a request. */
    BAD_REQUEST(400, "Bad Request"),
    /** The request line is longer than max-request-line. */
    URI_TOO_LONG(414, "URI Too Long"),
    /** The head is longer than max-header-size, or has too many fields. */
    HEADERS_TOO_LARGE(431, "Request Header Fields Too Large"),
    /** HTTP/2 or another version on an HTTP/1.x connection. */
    VERSION_NOT_SUPPORTED(505, "HTTP Version Not Supported");

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
