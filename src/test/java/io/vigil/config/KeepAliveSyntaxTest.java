package io.vigil.config;

import io.vigil.net.KeepAlive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeepAliveSyntaxTest
{
    private static final KeepAlive SYSTEM = new KeepAlive(KeepAlive.Mode.ON, 7200, 75, 9);

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "120:30:5   | ON      | 120   | 30 | 5",
        "30m::10    | ON      | 1800  | 0  | 10",
        "2h:1m:5    | ON      | 7200  | 60 | 5",
        "1h30m::    | ON      | 5400  | 0  | 0",
        "::3        | ON      | 0     | 0  | 3",
        ":15:       | ON      | 0     | 15 | 0",
        "on         | ON      | 0     | 0  | 0",
        "off        | OFF     | 0     | 0  | 0",
        "default    | NOT_SET | 0     | 0  | 0",
        "32767:32767:127 | ON | 32767 | 32767 | 127",
        "1:1:1      | ON      | 1     | 1  | 1"
    })
    void shouldParseNginxForms(
        final String text, final KeepAlive.Mode mode, final int idle, final int interval, final int count)
    {
        final KeepAlive config = KeepAliveSyntax.parse(text);
        assertEquals(new KeepAlive(mode, idle, interval, count), config);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "0:1:1", "32768:1:1", "1:0:1", "1:32768:1", "1:1:0", "1:1:128", "10h::", "1:1", "1:1:1:1", "::",
        "abc", "1x:1:1", "500ms:1:1", "1:1:x", "60", "yes", "1s1m::",
        // found by fuzzing: digits of other scripts were taken, with their value misread ("\u0663" as 1587)
        "\u0663::", "1:\u0663\u0660s:", "::+115", "::\u0665"})
    void shouldRefuseWhatTheKernelOrNginxRefuses(final String text)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> KeepAliveSyntax.parse(text));
        assertTrue(ex.getMessage().contains(text), ex.getMessage());
    }

    @Test
    void shouldSayWhichLimitWasBroken()
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> KeepAliveSyntax.parse("1:1:200"));
        assertTrue(ex.getMessage().contains("1..127"), ex.getMessage());
    }

    @Test
    void shouldComputeDetectionBudgetWithSystemDefaultsForEmptyFields()
    {
        assertEquals(120 + 30 * 5, KeepAliveSyntax.parse("120:30:5").deadPeerDetectionSec(SYSTEM));
        assertEquals(60 + 75 * 9, KeepAliveSyntax.parse("60::").deadPeerDetectionSec(SYSTEM));
        assertEquals(7200 + 75 * 9, KeepAliveSyntax.parse("on").deadPeerDetectionSec(SYSTEM));
        assertEquals(-1, KeepAliveSyntax.parse("off").deadPeerDetectionSec(SYSTEM));
        assertEquals(-1, KeepAlive.NOT_SET.deadPeerDetectionSec(SYSTEM));
    }

    @Test
    void shouldRenderAsWritten()
    {
        assertEquals("1800::10", KeepAliveSyntax.parse("30m::10").toString());
        assertEquals("on", KeepAliveSyntax.parse("on").toString());
        assertEquals("off", KeepAliveSyntax.parse("off").toString());
    }
}
