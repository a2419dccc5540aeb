package io.vigil.stats;

/**
 * Slots of a listener's block, relative to its base. Close causes are a matrix of reason x side by ordinal
 * (the session layer's CloseReason and Side), so this package needs neither.
 */
public final class ListenerCounters
{
    /** Connections accepted and handed to a loop. */
    public static final int ACCEPTED = 0;
    /** Sessions open now (a gauge: up at start, down at close). */
    public static final int ACTIVE = 1;
    /** Bytes read from clients. */
    public static final int BYTES_FROM_CLIENT = 2;
    /** Bytes written to clients. */
    public static final int BYTES_TO_CLIENT = 3;
    /** Bytes read from upstream servers. */
    public static final int BYTES_FROM_UPSTREAM = 4;
    /** Bytes written to upstream servers. */
    public static final int BYTES_TO_UPSTREAM = 5;
    /** Accepted connections closed at once, by reject reason ordinal. */
    public static final int REJECTED = 6;
    /** Most reject reasons. */
    public static final int MAX_REJECT_REASONS = 8;
    /** HTTP requests answered, by status class: 1xx at +0 ... 5xx at +4. */
    public static final int HTTP_REQUESTS = REJECTED + MAX_REJECT_REASONS;
    /** Sessions closed, at + reason ordinal x {@link #SIDES} + side ordinal. */
    public static final int CLOSED = HTTP_REQUESTS + 5;
    /** Most close reasons. */
    public static final int MAX_REASONS = 16;
    /** Sides: client, upstream, proxy. */
    public static final int SIDES = 3;
    /** Session duration in seconds. */
    public static final int SESSION_DURATION = CLOSED + MAX_REASONS * SIDES;
    /** Upstream response time (HTTP: request sent to response head) in seconds. */
    public static final int HTTP_RESPONSE_DURATION = SESSION_DURATION + Histogram.SESSION_SECONDS.slots();
    /** Slots in the block. */
    public static final int SIZE = HTTP_RESPONSE_DURATION + Histogram.RESPONSE_SECONDS.slots();

    private ListenerCounters()
    {
    }

    /**
     * @param reason a close reason's ordinal.
     * @param side   a side's ordinal.
     * @return the slot offset counting that cause.
     */
    public static int closed(final int reason, final int side)
    {
        return CLOSED + reason * SIDES + side;
    }
}
