package io.vigil.test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nginx's time syntax in seconds, written again for differential fuzzing: either one bare number, or numbers each
 * with a unit, units from largest to smallest (y, M, w, d, h, m, s), ASCII digits only, each number at most
 * 2^31-1. Regular expressions, no code shared with {@code NginxTime}.
 */
public final class NginxTimeReference
{
    private static final Pattern BARE = Pattern.compile("[0-9]+");
    private static final Pattern WITH_UNITS = Pattern.compile("(?:[0-9]+[yMwdhms])+");
    private static final Pattern PART = Pattern.compile("([0-9]+)([yMwdhms])");
    private static final String UNITS = "yMwdhms";
    private static final long[] SECONDS = {365 * 86_400L, 30 * 86_400L, 7 * 86_400L, 86_400L, 3_600L, 60L, 1L};

    private NginxTimeReference()
    {
    }

    /**
     * @param text the time as written.
     * @return whole seconds, or null when nginx would refuse it.
     */
    public static Long seconds(final String text)
    {
        if (BARE.matcher(text).matches())
        {
            return number(text);
        }
        if (!WITH_UNITS.matcher(text).matches())
        {
            return null;
        }
        long total = 0;
        int lastUnit = -1;
        final Matcher part = PART.matcher(text);
        while (part.find())
        {
            final int unit = UNITS.indexOf(part.group(2).charAt(0));
            final Long number = number(part.group(1));
            if (unit <= lastUnit || number == null)
            {
                return null;
            }
            lastUnit = unit;
            total += number * SECONDS[unit];
        }
        return total;
    }

    private static Long number(final String digits)
    {
        final String significant = digits.replaceFirst("^0+(?=.)", "");
        if (significant.length() > 10)
        {
            return null;
        }
        final long value = Long.parseLong(significant);
        return value > Integer.MAX_VALUE ? null : value;
    }
}
