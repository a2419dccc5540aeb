package io.vigil.stats;

/**
 * Why an accepted connection was closed at once, as a metric label ({@code vigil_listener_connections_rejected_total}).
 */
public enum RejectReason
{
    /** The target loop's command queue was full: refused rather than queued without bound. */
    OVERLOADED("overloaded");

    private final String label;

    RejectReason(final String label)
    {
        this.label = label;
    }

    /**
     * @return the label value.
     */
    public String label()
    {
        return label;
    }
}
