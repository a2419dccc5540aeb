package io.vigil.admin;

import java.util.Arrays;

/**
 * A growable byte array that a scrape is rendered into, reused from one scrape to the next, and the number
 * formatting the exposition formats use, without allocating: longs as decimal digits, doubles exactly as
 * {@link Double#toString(double)} writes them (what the Prometheus client's text writers call). Integral doubles
 * below 2^53 (every counter) are formatted here; any other double (a histogram's sum, a timestamp) goes through a
 * reused StringBuilder, which is documented to format as {@code Double.toString} does. Admin thread only.
 */
final class ScrapeBuffer
{
    /** Below this, every integer is a double of its own: its shortest decimal form is its own digits. */
    private static final long EXACT_INTEGERS = 1L << 53;
    /** Double.toString writes integral values from 10^7 up in scientific notation. */
    private static final long SCIENTIFIC_FROM = 10_000_000L;

    private byte[] bytes;
    private int length;
    private final byte[] digits = new byte[20];
    private final StringBuilder fallback = new StringBuilder(32);

    /**
     * @param capacity bytes to start with; grows as needed.
     */
    ScrapeBuffer(final int capacity)
    {
        this.bytes = new byte[capacity];
    }

    void clear()
    {
        length = 0;
    }

    /**
     * @return the array holding the bytes written since {@link #clear()}, valid until the next write.
     */
    byte[] array()
    {
        return bytes;
    }

    int length()
    {
        return length;
    }

    void append(final byte[] source)
    {
        append(source, 0, source.length);
    }

    void append(final byte[] source, final int offset, final int count)
    {
        ensure(count);
        System.arraycopy(source, offset, bytes, length, count);
        length += count;
    }

    void append(final byte b)
    {
        ensure(1);
        bytes[length++] = b;
    }

    /**
     * @param value written as decimal digits, as the client's writeLong does.
     */
    void appendLong(final long value)
    {
        if (value == Long.MIN_VALUE)
        {
            appendAscii(Long.toString(value));
            return;
        }
        if (value < 0)
        {
            append((byte)'-');
        }
        final int n = digits(Math.abs(value));
        append(digits, digits.length - n, n);
    }

    /**
     * @param value written as {@link Double#toString(double)} writes it, "+Inf" and "-Inf" as the client's
     *              writeDouble does.
     */
    void appendDouble(final double value)
    {
        if (value == Double.POSITIVE_INFINITY)
        {
            appendAscii("+Inf");
        }
        else if (value == Double.NEGATIVE_INFINITY)
        {
            appendAscii("-Inf");
        }
        else if (value == Math.rint(value) && Math.abs(value) < EXACT_INTEGERS &&
            Double.doubleToRawLongBits(value) != Long.MIN_VALUE) // -0.0 is "-0.0"
        {
            appendIntegral((long)value);
        }
        else
        {
            fallback.setLength(0);
            fallback.append(value);
            appendAscii(fallback);
        }
    }

    /** An integral double: "123.0" below 10^7, else "1.23E9" (the digits' trailing zeros dropped, at least one). */
    private void appendIntegral(final long value)
    {
        if (value < 0)
        {
            append((byte)'-');
        }
        final long magnitude = Math.abs(value);
        final int n = digits(magnitude);
        final int first = digits.length - n;
        if (magnitude < SCIENTIFIC_FROM)
        {
            append(digits, first, n);
            append((byte)'.');
            append((byte)'0');
            return;
        }
        int last = digits.length - 1;
        while (last > first + 1 && digits[last] == '0')
        {
            last--;
        }
        append(digits[first]);
        append((byte)'.');
        append(digits, first + 1, last - first);
        append((byte)'E');
        appendLong(n - 1);
    }

    /** Writes the digits of a non-negative value right-aligned into {@link #digits}; returns how many. */
    private int digits(final long value)
    {
        long rest = value;
        int at = digits.length;
        do
        {
            digits[--at] = (byte)('0' + rest % 10);
            rest /= 10;
        }
        while (rest != 0);
        return digits.length - at;
    }

    private void appendAscii(final CharSequence text)
    {
        ensure(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            bytes[length++] = (byte)text.charAt(i);
        }
    }

    private void ensure(final int more)
    {
        if (length + more > bytes.length)
        {
            bytes = Arrays.copyOf(bytes, Math.max(length + more, bytes.length * 2));
        }
    }
}
