package io.vigil.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the kernel's view of TCP sockets with {@code ss -tno}, as an operator would.
 */
public final class Ss
{
    /**
     * ss prints a timer as minutes, then seconds, then milliseconds, each only when not zero: "1min30sec",
     * "12sec", "4.964ms" (4 s and 964 ms: seconds below ten keep their milliseconds after a dot), "350ms".
     */
    private static final Pattern KEEPALIVE_TIMER =
        Pattern.compile("timer:\\(keepalive,(?:(\\d+)min)?(?:(\\d+)sec|(\\d+)\\.)?(?:(\\d+)ms)?,");

    private Ss()
    {
    }

    /**
     * @param filter an ss filter, e.g. {@code ( sport = :8080 )}.
     * @return lines of established sockets matching it (no header).
     * @throws IOException when ss cannot run.
     */
    public static List<String> established(final String filter) throws IOException
    {
        final Process process = new ProcessBuilder("ss", "-tnoH", "state", "established", filter)
            .redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0)
            {
                throw new IOException("ss failed: " + out);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException(ex);
        }
        final List<String> lines = new ArrayList<>();
        for (final String line : out.split("\n"))
        {
            if (!line.isBlank())
            {
                lines.add(line.trim());
            }
        }
        return lines;
    }

    /**
     * @param line an ss line.
     * @return seconds left on its keepalive timer, or -1 when it shows none.
     */
    public static double keepaliveSecondsLeft(final String line)
    {
        final Matcher m = KEEPALIVE_TIMER.matcher(line);
        if (!m.find())
        {
            return -1;
        }
        final double minutes = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
        final String secondsText = m.group(2) != null ? m.group(2) : m.group(3);
        final double seconds = secondsText == null ? 0 : Integer.parseInt(secondsText);
        final double ms = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        return minutes * 60 + seconds + ms / 1000;
    }
}
