package io.vigil.http;

import io.vigil.http.codec.BodyFramer;
import io.vigil.http.codec.HttpHead;
import io.vigil.http.codec.HttpMethod;

import java.nio.ByteBuffer;

/**
 * The state of one request/response exchange, reset as a whole when the next request starts: what was asked,
 * how far the request and the response got, and what may happen to both connections afterwards. The parsers
 * and framers of the two messages live here too. Owned by the connection's loop; no I/O.
 */
final class Exchange
{
    private static final int LOGGED_TARGET_BYTES = 256;

    final HttpHead requestHead;
    final HttpHead responseHead;
    final BodyFramer requestBody = new BodyFramer();
    final BodyFramer responseBody = new BodyFramer();

    HttpMethod method;
    boolean headRequest;
    boolean upgrade;
    boolean connectMethod;
    /** Offset of the request body in the client buffer: where a replay starts the body again. */
    int bodyStart;
    /** The request is still held whole (head and body in the buffer): it can be sent again. */
    boolean replayable;
    /** The request, body included, is fully written to the upstream. */
    boolean requestSent;
    /** The upstream stopped taking the request after it began answering (e.g. an early 413): send no more. */
    boolean requestAbandoned;
    /** Some response byte arrived from the upstream. */
    boolean responseAnyByte;
    /** Some response (interim or final) was passed to the client. */
    boolean responseStarted;
    /** A final response head is written (relayed or generated): nothing else can be answered. */
    boolean responseHeadDone;
    /** 101 or CONNECT 2xx: the connection becomes a tunnel once the head is out. */
    boolean tunnelPending;
    /** Vigil answered itself. */
    boolean generated;
    boolean clientKeepAlive;
    boolean upstreamPersist;
    boolean upstreamReusable;
    int status;
    long startNs;
    long requestSentNs;
    long requestBytes;
    long responseBytes;
    /** When the client socket last took bytes of this exchange (or when it began): send-timeout's start. */
    long lastClientWriteNs;

    private final ByteBuffer loggedTarget = ByteBuffer.allocate(LOGGED_TARGET_BYTES);
    private int loggedTargetLength;

    /**
     * @param maxRequestLine   the listener's max-request-line.
     * @param maxHeaderSize    the listener's max-header-size.
     * @param bufferSize       the connection's buffer size (a response head may use all of it but one byte).
     */
    Exchange(final int maxRequestLine, final int maxHeaderSize, final int bufferSize)
    {
        this.requestHead = new HttpHead(true, maxRequestLine, maxHeaderSize);
        // a response head may use the whole buffer (minus one byte, so a full buffer is "too large")
        this.responseHead = new HttpHead(false, bufferSize - 1, bufferSize - 1);
    }

    /**
     * Start an exchange for the request head just parsed (or refused: then the method is null).
     *
     * @param nowNs     the loop's clock.
     * @param clientIn  the client's bytes, holding the request head.
     */
    void begin(final long nowNs, final ByteBuffer clientIn)
    {
        method = requestHead.method();
        headRequest = method == HttpMethod.HEAD;
        upgrade = false;
        connectMethod = false;
        bodyStart = 0;
        replayable = false;
        requestSent = false;
        requestAbandoned = false;
        responseAnyByte = false;
        responseStarted = false;
        responseHeadDone = false;
        tunnelPending = false;
        generated = false;
        clientKeepAlive = false;
        upstreamPersist = false;
        upstreamReusable = true;
        status = 0;
        startNs = nowNs;
        requestSentNs = 0;
        requestBytes = 0;
        responseBytes = 0;
        lastClientWriteNs = nowNs;
        responseHead.reset();
        rememberTarget(clientIn);
    }

    private void rememberTarget(final ByteBuffer clientIn)
    {
        loggedTargetLength = 0;
        if (method == null)
        {
            return;
        }
        final int length = Math.min(requestHead.targetEnd() - requestHead.targetStart(), LOGGED_TARGET_BYTES);
        if (length > 0)
        {
            loggedTarget.put(0, clientIn, requestHead.targetStart(), length);
            loggedTargetLength = length;
        }
    }

    /**
     * @return a copy of the request target for the log (the client buffer moves on), at most 256 bytes.
     */
    ByteBuffer loggedTarget()
    {
        return loggedTarget;
    }

    /**
     * @return how many bytes of {@link #loggedTarget()} hold the target; 0 when there was none.
     */
    int loggedTargetLength()
    {
        return loggedTargetLength;
    }

    /**
     * @return the body framing is over and the whole response relayed or generated.
     */
    boolean responseComplete()
    {
        return responseHeadDone && responseBody.complete();
    }
}
