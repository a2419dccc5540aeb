package io.vigil.rig;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The soak's figures: sessions, messages, bytes and every error by kind (with the first few details of each).
 * Written by the soak's one thread.
 */
final class SoakStats
{
    private static final int DETAILS_PER_KIND = 3;

    long opened;
    long closedClean;
    int peakOpen;
    long messages;
    long bytesSent;
    long bytesVerified;
    long bytesLost;
    long rampMs;
    long totalMs;
    boolean rampFailed;
    boolean held;
    private final Map<String, Long> errors = new TreeMap<>();
    private final Map<String, String> details = new TreeMap<>();

    /**
     * @param kind  what went wrong.
     * @param cause the exception, or null.
     */
    void count(final String kind, final Exception cause)
    {
        final long count = errors.merge(kind, 1L, Long::sum);
        if (cause != null && count <= DETAILS_PER_KIND)
        {
            details.merge(kind, cause.toString(), (a, b) -> a + "; " + b);
        }
    }

    /**
     * @return errors of every kind.
     */
    long errorCount()
    {
        long total = 0;
        for (final long count : errors.values())
        {
            total += count;
        }
        return total;
    }

    /**
     * @return true when the run met the soak's bar: all sessions reached and held, no error, no byte lost.
     */
    boolean clean()
    {
        return !rampFailed && held && errorCount() == 0 && bytesLost == 0;
    }

    /**
     * @param open sessions open now.
     * @return one progress line.
     */
    String line(final int open)
    {
        return String.format(Locale.ROOT, "open=%d opened=%d closed=%d messages=%d sent=%.1fMB verified=%.1fMB " +
            "errors=%d%s", open, opened, closedClean, messages, bytesSent / 1e6, bytesVerified / 1e6, errorCount(),
            errors.isEmpty() ? "" : " " + errors);
    }

    /**
     * @param settings the run's settings.
     * @return the summary as JSON.
     */
    String json(final SoakRun.Settings settings)
    {
        final StringBuilder errorsJson = new StringBuilder("{");
        for (final Map.Entry<String, Long> error : errors.entrySet())
        {
            errorsJson.append(errorsJson.length() > 1 ? ", " : "").append('"').append(error.getKey()).append("\": ")
                .append(error.getValue());
        }
        errorsJson.append('}');
        return String.format(Locale.ROOT, "{\n  \"target\": \"%s:%d\",\n  \"sessions\": %d,\n  \"duration_s\": %d,\n" +
            "  \"churn_per_s\": %.1f,\n  \"messages_per_s\": %.1f,\n  \"max_message\": %d,\n  \"seed\": %d,\n" +
            "  \"ramp_ms\": %d,\n  \"total_ms\": %d,\n  \"held\": %b,\n  \"opened\": %d,\n  \"closed_clean\": %d,\n" +
            "  \"peak_open\": %d,\n  \"messages\": %d,\n  \"bytes_sent\": %d,\n  \"bytes_verified\": %d,\n" +
            "  \"bytes_lost\": %d,\n  \"errors\": %d,\n  \"errors_by_kind\": %s,\n  \"error_details\": \"%s\",\n" +
            "  \"clean\": %b\n}\n",
            settings.target().getHostString(), settings.target().getPort(), settings.sessions(),
            settings.durationNs() / 1_000_000_000, settings.churnPerSec(), settings.messagesPerSec(),
            settings.maxMessage(), settings.seed(), rampMs, totalMs, held, opened, closedClean, peakOpen, messages,
            bytesSent, bytesVerified, bytesLost, errorCount(), errorsJson, details.toString().replace("\\", "\\\\")
            .replace("\"", "'"), clean());
    }
}
