package io.vigil.admin;

/**
 * A small JSON writer for the admin pages: objects, arrays, strings (escaped per RFC 8259), numbers, booleans.
 * Commas are placed by the writer, so a caller cannot produce invalid JSON by forgetting one. Not thread safe.
 */
final class Json
{
    private final StringBuilder out = new StringBuilder(4096);
    private boolean first = true;

    Json beginObject()
    {
        comma();
        out.append('{');
        first = true;
        return this;
    }

    Json endObject()
    {
        out.append('}');
        first = false;
        return this;
    }

    Json beginArray()
    {
        comma();
        out.append('[');
        first = true;
        return this;
    }

    Json endArray()
    {
        out.append(']');
        first = false;
        return this;
    }

    /**
     * @param name a member's name; the value follows (a begin or a value call).
     * @return this.
     */
    Json name(final String name)
    {
        comma();
        string(name);
        out.append(':');
        first = true;
        return this;
    }

    Json value(final String text)
    {
        comma();
        if (text == null)
        {
            out.append("null");
        }
        else
        {
            string(text);
        }
        return this;
    }

    Json value(final long number)
    {
        comma();
        out.append(number);
        return this;
    }

    Json value(final boolean flag)
    {
        comma();
        out.append(flag);
        return this;
    }

    Json field(final String name, final String text)
    {
        return name(name).value(text);
    }

    Json field(final String name, final long number)
    {
        return name(name).value(number);
    }

    Json field(final String name, final boolean flag)
    {
        return name(name).value(flag);
    }

    private void comma()
    {
        if (!first)
        {
            out.append(',');
        }
        first = false;
    }

    private void string(final String text)
    {
        out.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default ->
                {
                    if (c < 0x20 || c >= 0x7f && c < 0xa0 || c == '\u2028' || c == '\u2029')
                    {
                        out.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString()
    {
        return out.toString();
    }
}
