package io.vigil.log;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Builds one access-log line in a reusable buffer and hands it to the {@link AccessLog} ring. One per loop;
 * not thread safe. Appending allocates nothing; text longer than the line buffer is cut.
 */
public final class LogLine
{
    private static final int MAX_LINE = 2048;

    private final AccessLog log;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MAX_LINE]);
    private int length;
    private boolean json;

    LogLine(final AccessLog log)
    {
        this.log = log;
    }

    /**
     * @return this, emptied.
     */
    public LogLine begin()
    {
        length = 0;
        return this;
    }

    /**
     * @param text ASCII text; other characters are written as '?'.
     * @return this.
     */
    public LogLine append(final CharSequence text)
    {
        final int n = Math.min(text.length(), MAX_LINE - 1 - length);
        for (int i = 0; i < n; i++)
        {
            final char c = text.charAt(i);
            buffer.putByte(length++, (byte)(c < 0x20 || c > 0x7e ? '?' : c));
        }
        return this;
    }

    /**
     * @param bytes    ASCII bytes (e.g. a request target); others are written as '?'.
     * @param start    first byte.
     * @param end      one past the last.
     * @param maxBytes the most bytes written (a longer text is cut).
     * @return this.
     */
    public LogLine append(final java.nio.ByteBuffer bytes, final int start, final int end, final int maxBytes)
    {
        final int n = Math.min(Math.min(end - start, maxBytes), MAX_LINE - 1 - length);
        for (int i = 0; i < n; i++)
        {
            final byte c = bytes.get(start + i);
            buffer.putByte(length++, c < 0x21 || c > 0x7e ? (byte)'?' : c);
        }
        return this;
    }

    /**
     * @param c an ASCII character.
     * @return this.
     */
    public LogLine append(final char c)
    {
        if (length < MAX_LINE - 1)
        {
            buffer.putByte(length++, (byte)c);
        }
        return this;
    }

    /**
     * @param value a number.
     * @return this.
     */
    public LogLine append(final long value)
    {
        if (length < MAX_LINE - 21)
        {
            length += buffer.putLongAscii(length, value);
        }
        return this;
    }

    /**
     * Append an ISO-8601 UTC timestamp with milliseconds, e.g. {@code 2026-11-24T09:30:00.123Z}.
     *
     * @param epochMs milliseconds since the epoch.
     * @return this.
     */
    public LogLine appendTimestamp(final long epochMs)
    {
        final long days = Math.floorDiv(epochMs, 86_400_000L);
        final long msOfDay = Math.floorMod(epochMs, 86_400_000L);
        // days to civil date (H. Hinnant's algorithm)
        final long z = days + 719_468;
        final long era = Math.floorDiv(z, 146_097);
        final long doe = z - era * 146_097;
        final long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        final long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        final long mp = (5 * doy + 2) / 153;
        final long day = doy - (153 * mp + 2) / 5 + 1;
        final long month = mp < 10 ? mp + 3 : mp - 9;
        final long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        append(year).append('-');
        pad2(month).append('-');
        pad2(day).append('T');
        pad2(msOfDay / 3_600_000).append(':');
        pad2(msOfDay / 60_000 % 60).append(':');
        pad2(msOfDay / 1000 % 60).append('.');
        final long ms = msOfDay % 1000;
        if (ms < 100)
        {
            append('0');
        }
        return pad2(ms).append('Z');
    }

    private LogLine pad2(final long value)
    {
        if (value < 10)
        {
            append('0');
        }
        return append(value);
    }

    /**
     * Start a record in text ({@code TIME key=value ...}) or JSON ({@code {"time":"TIME","key":value,...}}).
     *
     * @param json    JSON instead of text.
     * @param epochMs the record's time.
     * @return this.
     */
    public LogLine begin(final boolean json, final long epochMs)
    {
        begin();
        this.json = json;
        if (json)
        {
            append("{\"time\":\"");
            appendTimestamp(epochMs);
            return append('"');
        }
        return appendTimestamp(epochMs);
    }

    /**
     * @param key   the field's name (a plain word).
     * @param value its text (printable ASCII kept, anything else written as '?').
     * @return this.
     */
    public LogLine field(final String key, final CharSequence value)
    {
        key(key);
        if (json)
        {
            append('"');
            for (int i = 0; i < value.length() && length < MAX_LINE - 3; i++)
            {
                jsonChar(value.charAt(i));
            }
            return append('"');
        }
        return append(value);
    }

    /**
     * @param key   the field's name.
     * @param value a number.
     * @return this.
     */
    public LogLine field(final String key, final long value)
    {
        return key(key).append(value);
    }

    /**
     * A field whose value is a word and bytes from a buffer, e.g. {@code request=GET /path}.
     *
     * @param key      the field's name.
     * @param word     the first part.
     * @param bytes    the buffer holding the second part, or null for "-".
     * @param start    its first byte.
     * @param end      one past its last.
     * @param maxBytes at most this many of them.
     * @return this.
     */
    public LogLine field(
        final String key, final String word, final java.nio.ByteBuffer bytes, final int start, final int end,
        final int maxBytes)
    {
        key(key);
        if (json)
        {
            append('"');
        }
        append(word).append(' ');
        if (bytes == null || end <= start)
        {
            append('-');
        }
        else if (json)
        {
            final int n = Math.min(end - start, maxBytes);
            for (int i = 0; i < n && length < MAX_LINE - 3; i++)
            {
                final byte c = bytes.get(start + i);
                jsonChar(c < 0x21 || c > 0x7e ? '?' : (char)c);
            }
        }
        else
        {
            append(bytes, start, end, maxBytes);
        }
        return json ? append('"') : this;
    }

    /**
     * A marker word: {@code connection_closed} in text, {@code "connection_closed":true} in JSON.
     *
     * @param word the marker.
     * @return this.
     */
    public LogLine flag(final String word)
    {
        if (json)
        {
            return append(",\"").append(word).append("\":true");
        }
        return append(' ').append(word);
    }

    private LogLine key(final String key)
    {
        if (json)
        {
            return append(",\"").append(key).append("\":");
        }
        return append(' ').append(key).append('=');
    }

    private void jsonChar(final char c)
    {
        if (c == '"' || c == '\\')
        {
            append('\\').append(c);
        }
        else
        {
            append(c < 0x20 || c > 0x7e ? '?' : c);
        }
    }

    /**
     * End the line and queue it.
     *
     * @return false when the ring was full and the line was dropped.
     */
    public boolean commit()
    {
        if (json)
        {
            length = Math.min(length, MAX_LINE - 2);
            buffer.putByte(length++, (byte)'}');
            json = false;
        }
        buffer.putByte(length++, (byte)'\n');
        return log.offer(buffer, length);
    }
}
