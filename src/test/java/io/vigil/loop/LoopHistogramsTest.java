package io.vigil.loop;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The debug histograms split each wake-up into time blocked and time working, and say so in their summary.
 */
class LoopHistogramsTest
{
    @Test
    void shouldSeparateBlockedFromWorkingTime()
    {
        final LoopHistograms histograms = new LoopHistograms();
        // blocked 1 ms, woke with 2 keys, worked 50 us, blocked 3 ms, woke with none
        histograms.selected(0, 1_000_000, 2);
        histograms.selected(1_050_000, 4_050_000, 0);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        histograms.print("loop-x", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String summary = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(summary.startsWith("loop-x: 2 blocking selects; keys per select p50 0 p90 2 "), summary);
        // two significant digits: values come back within 1%
        assertTrue(summary.matches(".*blocked us p50 10\\d\\d p99 30\\d\\d max 30\\d\\d;.*\\s*"), summary);
        assertTrue(summary.contains("working us after a wake-up p50 50 "), summary);
    }
}
