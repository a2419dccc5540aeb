package io.vigil.config;

/**
 * The HOCON parser failing with a plain runtime exception instead of its own ConfigException (a fuzzer finding:
 * Typesafe Config 1.4 reads a backslash-u escape followed by "-525" with {@code Integer.parseInt(..., 16)}, gets a
 * negative number and fails in {@code appendCodePoint}). Without this the exception escaped the loader: a stack
 * trace for a typo. The refusal names the file and the line of the first backslash-u not followed by four hex
 * digits, or at least the file.
 */
final class ParserCrash
{
    private static final int HEX_DIGITS = 4;

    private ParserCrash()
    {
    }

    /**
     * @param text   the file's text, or null when it cannot be read again.
     * @param source the file's name.
     * @param ex     what the parser threw.
     * @return the refusal to throw.
     */
    static ConfigError refusal(final String text, final String source, final RuntimeException ex)
    {
        int line = 1;
        for (int i = 0; text != null && i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '\n')
            {
                line++;
            }
            else if (c == '\\' && i + 1 < text.length())
            {
                if (text.charAt(i + 1) == 'u' && !hexDigitsAt(text, i + 2))
                {
                    return new ConfigError(source + ": " + line + ": invalid \\u escape \\u" +
                        printable(text, i + 2) + " (four hex digits expected, e.g. \\u00e9)");
                }
                i++; // the escaped character: an escaped backslash followed by u is no escape
            }
        }
        return new ConfigError(source + ": the HOCON parser failed on this file (" + ex.getClass().getSimpleName() +
            "); check its escapes and quoting");
    }

    private static boolean hexDigitsAt(final String text, final int from)
    {
        if (from + HEX_DIGITS > text.length())
        {
            return false;
        }
        for (int i = from; i < from + HEX_DIGITS; i++)
        {
            if (Character.digit(text.charAt(i), 16) < 0)
            {
                return false;
            }
        }
        return true;
    }

    private static String printable(final String text, final int from)
    {
        final StringBuilder shown = new StringBuilder(HEX_DIGITS);
        for (int i = from; i < Math.min(from + HEX_DIGITS, text.length()); i++)
        {
            final char c = text.charAt(i);
            shown.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return shown.toString();
    }
}
