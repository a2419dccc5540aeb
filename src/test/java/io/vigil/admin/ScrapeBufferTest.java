package io.vigil.admin;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The scrape buffer writes numbers as the Prometheus client's text writers do: longs as digits, doubles as
 * {@link Double#toString(double)} (on the JDK the test runs on), infinities as +Inf and -Inf.
 */
class ScrapeBufferTest
{
    private static String asDouble(final double value)
    {
        final ScrapeBuffer buffer = new ScrapeBuffer(4);
        buffer.appendDouble(value);
        return new String(buffer.array(), 0, buffer.length(), StandardCharsets.US_ASCII);
    }

    private static String asLong(final long value)
    {
        final ScrapeBuffer buffer = new ScrapeBuffer(4);
        buffer.appendLong(value);
        return new String(buffer.array(), 0, buffer.length(), StandardCharsets.US_ASCII);
    }

    @Test
    void shouldWriteDoublesAsDoubleToStringDoes()
    {
        final List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, -1.0, 0.5, 1e-3, 9.99e-4, 1.5e-7,
            123.456, 1.764475925123E9, 9_999_999.0, 10_000_000.0, 10_000_001.0, 12_345_678.0, 120_000_000.0,
            -12_345_678.0, 1e15, 1e16, 1e22, 1e23, (double)(1L << 53) - 1, (double)(1L << 53), (double)(1L << 53) + 2,
            (double)Long.MAX_VALUE, Double.MAX_VALUE, Double.MIN_VALUE, Double.NaN));
        for (long power = 1; power < 1_000_000_000_000_000L; power *= 10)
        {
            values.add((double)power);
            values.add((double)(power - 1));
            values.add((double)(power + 1));
        }
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 50_000; i++)
        {
            values.add((double)random.nextLong(1L << random.nextInt(1, 54)));
            values.add(random.nextLong(1L << 40) / 1e6);
            values.add(Double.longBitsToDouble(random.nextLong()));
        }
        for (final double value : values)
        {
            assertEquals(Double.toString(value), asDouble(value), () -> "bits " + Double.doubleToRawLongBits(value));
        }
        assertEquals("+Inf", asDouble(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", asDouble(Double.NEGATIVE_INFINITY));
    }

    @Test
    void shouldWriteLongsAsDigits()
    {
        for (final long value : new long[] {0, 1, -1, 9, 10, 1234567890123L, Long.MAX_VALUE, Long.MIN_VALUE,
            Long.MIN_VALUE + 1})
        {
            assertEquals(Long.toString(value), asLong(value));
        }
    }

    @Test
    void shouldGrowAndKeepWhatWasWritten()
    {
        final ScrapeBuffer buffer = new ScrapeBuffer(2);
        final StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 1000; i++)
        {
            buffer.appendLong(i);
            buffer.append((byte)' ');
            expected.append(i).append(' ');
        }
        assertEquals(expected.toString(), new String(buffer.array(), 0, buffer.length(), StandardCharsets.US_ASCII));
        buffer.clear();
        assertEquals(0, buffer.length());
    }
}
