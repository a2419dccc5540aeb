package io.vigil.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.test.FuzzWatchdog;
import io.vigil.test.NginxTimeReference;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Differential fuzzing of {@link NginxTime} against {@link NginxTimeReference}: the same seconds or the same
 * refusal, and a refusal is always an IllegalArgumentException. The input is the time as UTF-8 text.
 */
class NginxTimeFuzzTest
{
    @FuzzTest
    void shouldParseTimes(final byte[] input)
    {
        FuzzWatchdog.run("NginxTime", () -> check(new String(input, StandardCharsets.UTF_8)));
    }

    private static void check(final String text)
    {
        final Long expected = NginxTimeReference.seconds(text);
        Long actual;
        try
        {
            actual = NginxTime.parseSeconds(text);
        }
        catch (final IllegalArgumentException refused)
        {
            actual = null;
        }
        if (!Objects.equals(expected, actual))
        {
            throw new AssertionError("\"" + text + "\": expected " + expected + ", parsed " + actual);
        }
    }
}
