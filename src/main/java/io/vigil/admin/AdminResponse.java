package io.vigil.admin;

import java.nio.charset.StandardCharsets;

/**
 * What an admin request gets back. The body is the first {@code length} bytes of {@code body}, which may be a
 * renderer's reused buffer (a /metrics scrape): valid until the admin thread renders again, so it is written (or
 * copied) before the admin loop moves on.
 *
 * @param status      the HTTP status.
 * @param contentType its Content-Type.
 * @param body        holds the body.
 * @param length      the body's length.
 */
record AdminResponse(int status, String contentType, byte[] body, int length)
{
    AdminResponse(final int status, final String contentType, final byte[] body)
    {
        this(status, contentType, body, body.length);
    }

    static AdminResponse text(final int status, final String text)
    {
        return new AdminResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    static AdminResponse json(final String json)
    {
        return new AdminResponse(200, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    static AdminResponse html(final String html)
    {
        return new AdminResponse(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }
}
