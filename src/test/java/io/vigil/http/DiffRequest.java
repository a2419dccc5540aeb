package io.vigil.http;

/**
 * One request of a differential run: its exact bytes and what the client must see for it.
 *
 * @param id              the id in its target ({@code /d?id=...}), unique in the run.
 * @param label           what kind of request it is, for failure messages.
 * @param bytes           every byte the client sends for it.
 * @param kind            valid, valid and the connection's last, or hostile.
 * @param status          the status the client must get (200/204 for valid requests).
 * @param method          the method (X-Method echoed by the origin).
 * @param headRequest     HEAD: the response has no body.
 * @param expectContinue  a 100 Continue must come before the final response.
 * @param waitForContinue the client sends the body only after the 100 Continue arrived (else at once).
 * @param earlyHints      a 103 Early Hints must come before the final response (after any 100).
 * @param bodyOffset      where in {@code bytes} the body starts ({@code bytes.length} when there is none).
 * @param http10KeepAlive an HTTP/1.0 request asking for keep-alive: the response must say keep-alive.
 * @param bodyDigest      the origin's digest of the body it must receive.
 * @param responseBody    the body the response must carry, or null for none.
 * @param tag             the X-Tag value the origin must echo, or null.
 * @param rejectedEarly   the origin refuses it (413, close) before reading its body: the connection may then end
 *                        or, when Vigil had the whole body already, go on.
 * @param headMayReach    hostile or truncated only: the refusal or the cut comes inside the body, so the head
 *                        (never a whole message) may have reached the origin.
 */
record DiffRequest(
    String id,
    String label,
    byte[] bytes,
    Kind kind,
    int status,
    String method,
    boolean headRequest,
    boolean expectContinue,
    boolean waitForContinue,
    boolean earlyHints,
    int bodyOffset,
    boolean http10KeepAlive,
    String bodyDigest,
    byte[] responseBody,
    String tag,
    boolean rejectedEarly,
    boolean headMayReach)
{
    /** What Vigil must do with a request. */
    enum Kind
    {
        /** Forward it and keep the connection. */
        VALID,
        /**
         * Forward it; the connection ends after its response (Connection: close, HTTP/1.0, until-close body; an
         * early refusal may end it).
         */
        LAST,
        /** Refuse it with its status and close; forward nothing of it or after it. */
        HOSTILE,
        /** The start of a valid request, then the client's FIN or reset: never forwarded whole, never answered. */
        TRUNCATED
    }

    /**
     * @return true when the connection ends with this request's response.
     */
    boolean ends()
    {
        return kind != Kind.VALID;
    }

    /**
     * @param length how many of its bytes the client sends before it gives up (1 to all but one).
     * @return this request cut short; it expects a 100 Continue when it asked for one and its head is whole.
     */
    DiffRequest truncated(final int length)
    {
        return new DiffRequest(id, label + ", cut after " + length + " of " + bytes.length + " bytes",
            java.util.Arrays.copyOf(bytes, length), Kind.TRUNCATED, 0, method, headRequest,
            expectContinue && length >= bodyOffset, false, false,
            Math.min(bodyOffset, length), false, null, null, null, false, length >= bodyOffset);
    }

    /**
     * A hostile request.
     *
     * @param id           its id.
     * @param label        what is wrong with it.
     * @param text         its bytes as ISO-8859-1.
     * @param status       the refusal status.
     * @param headMayReach the refusal comes inside the body.
     * @return the request.
     */
    static DiffRequest hostile(
        final String id, final String label, final String text, final int status, final boolean headMayReach)
    {
        final byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return new DiffRequest(id, label, bytes, Kind.HOSTILE, status, null, false, false, false, false, bytes.length,
            false, null, null, null, false, headMayReach);
    }
}
