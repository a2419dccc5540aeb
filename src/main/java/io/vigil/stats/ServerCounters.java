package io.vigil.stats;

/**
 * Slots of one server address's block, relative to its base.
 */
public final class ServerCounters
{
    /** Connect attempts. */
    public static final int CONNECT_ATTEMPTS = 0;
    /** Failed connects, by {@link ConnectFailure} ordinal. */
    public static final int CONNECT_FAILURES = 1;
    /** Health checks, by {@link HealthResult} ordinal. */
    public static final int HEALTH_CHECKS = CONNECT_FAILURES + ConnectFailure.values().length;
    /** Slots in the block. */
    public static final int SIZE = HEALTH_CHECKS + HealthResult.values().length;

    /** Why a connect failed, as a metric label. */
    public enum ConnectFailure
    {
        /** ECONNREFUSED. */
        REFUSED("refused"),
        /** connect-timeout passed. */
        TIMEOUT("timeout"),
        /** Any other error the server side caused (unreachable, reset). */
        ERROR("error"),
        /** A failure of this host (no descriptor, no local port): not counted against the server. */
        LOCAL("local");

        private final String label;

        ConnectFailure(final String label)
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

    /** A health check's outcome, as a metric label. */
    public enum HealthResult
    {
        /** Passed. */
        PASS("pass"),
        /** Failed. */
        FAIL("fail"),
        /** Not run: a local failure (no descriptor, no local port). */
        SKIPPED("skipped");

        private final String label;

        HealthResult(final String label)
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

    private ServerCounters()
    {
    }
}
