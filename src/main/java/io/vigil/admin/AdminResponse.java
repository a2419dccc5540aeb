package io.vigil.admin;

import java.nio.charset.StandardCharsets;

/**
 * What an admin request gets back. Immutable.
 *
 * @param status      the HTTP status.
 * @param contentType its Content-Type.
 * @param body        the body.
 */
record AdminResponse(int status, String contentType, byte[] body)
{
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
