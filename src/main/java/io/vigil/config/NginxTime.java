package io.vigil.config;

/**
 * nginx's time syntax in seconds ({@code ngx_parse_time} with is_sec): a number with an optional unit,
 * units combinable from largest to smallest, e.g. {@code 90}, {@code 30m}, {@code 1h30m}, {@code 2d}.
 * Units: s, m, h, d, w, M (30 days), y (365 days).
 */
public final class NginxTime
{
    private NginxTime()
    {
    }

    /**
     * @param text the time as written.
     * @return whole seconds.
     * @throws IllegalArgumentException when the text is not an nginx time in seconds.
     */
    public static long parseSeconds(final String text)
    {
        if (text.isEmpty())
        {
            throw new IllegalArgumentException("empty time");
        }
        long total = 0;
        long lastUnit = Long.MAX_VALUE;
        int i = 0;
        final int length = text.length();
        while (i < length)
        {
            final int start = i;
            long number = 0;
            // ASCII only: Character.isDigit also takes other scripts' digits, which '0' arithmetic misreads
            while (i < length && text.charAt(i) >= '0' && text.charAt(i) <= '9')
            {
                number = number * 10 + (text.charAt(i) - '0');
                if (number > Integer.MAX_VALUE)
                {
                    throw new IllegalArgumentException("time too large");
                }
                i++;
            }
            if (i == start)
            {
                throw new IllegalArgumentException("expected a number with an optional unit (s, m, h, d, w, M, y)");
            }
            long unit = 1;
            if (i < length)
            {
                final char c = text.charAt(i++);
                unit = unitSeconds(c, text, i);
            }
            else if (lastUnit != Long.MAX_VALUE)
            {
                throw new IllegalArgumentException("missing unit after the last number");
            }
            if (unit >= lastUnit)
            {
                throw new IllegalArgumentException("units must go from largest to smallest");
            }
            lastUnit = unit;
            total += number * unit;
        }
        return total;
    }

    private static long unitSeconds(final char c, final String text, final int next)
    {
        switch (c)
        {
            case 's':
                return 1;
            case 'm':
                if (next < text.length() && text.charAt(next) == 's')
                {
                    throw new IllegalArgumentException("milliseconds are not allowed here, use whole seconds");
                }
                return 60;
            case 'h':
                return 3600;
            case 'd':
                return 86_400;
            case 'w':
                return 7 * 86_400;
            case 'M':
                return 30 * 86_400;
            case 'y':
                return 365 * 86_400;
            default:
                throw new IllegalArgumentException("unknown time unit '" + c + "' (use s, m, h, d, w, M, y)");
        }
    }
}
