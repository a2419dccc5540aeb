package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * Request methods a proxy treats specially (RFC 9110 §9); any other valid token is {@link #OTHER} and forwarded.
 */
public enum HttpMethod
{
    /** GET. */
    GET(true),
    /** HEAD: its response has no body. */
    HEAD(true),
    /** POST. */
    POST(false),
    /** PUT. */
    PUT(true),
    /** DELETE. */
    DELETE(true),
    /** CONNECT: a successful response turns the connection into a tunnel. */
    CONNECT(false),
    /** OPTIONS. */
    OPTIONS(true),
    /** TRACE. */
    TRACE(true),
    /** PATCH. */
    PATCH(false),
    /** An extension method. */
    OTHER(false);

    private static final HttpMethod[] KNOWN = {GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH};

    private final boolean idempotent;

    HttpMethod(final boolean idempotent)
    {
        this.idempotent = idempotent;
    }

    /**
     * @return true when a request may be retried safely on a fresh connection (RFC 9110 §9.2.2).
     */
    public boolean idempotent()
    {
        return idempotent;
    }

    /**
     * @param buffer bytes of a request line.
     * @param start  offset of the method.
     * @param end    offset just past it.
     * @return the method; methods are case-sensitive, so "get" is {@link #OTHER}.
     */
    static HttpMethod of(final ByteBuffer buffer, final int start, final int end)
    {
        for (final HttpMethod method : KNOWN)
        {
            final String name = method.name();
            if (name.length() == end - start && HttpChars.equalsExact(buffer, start, name))
            {
                return method;
            }
        }
        return OTHER;
    }
}
