package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * The field lines of one head (RFC 9112 §5): each line checked (no obs-fold, a token name right before the colon,
 * no controls in the value), its offsets kept, its name classified once (the {@code HttpHead.FIELD_*} kinds), and
 * the fields that carry framing or connection facts handed to {@link FramingFacts}.
 */
final class FieldLines
{
    private final boolean request;
    private final FramingFacts facts;
    private final int[] offsets = new int[HttpHead.MAX_FIELDS * 4];
    private final byte[] kinds = new byte[HttpHead.MAX_FIELDS];
    private int count;

    FieldLines(final boolean request, final FramingFacts facts)
    {
        this.request = request;
        this.facts = facts;
    }

    void reset()
    {
        count = 0;
    }

    /**
     * Take the field line {@code [start, end)} (its line end excluded).
     *
     * @return {@link HttpStatus#OK}, or why the line is refused.
     */
    HttpStatus add(final ByteBuffer buffer, final int start, final int end)
    {
        final byte first = buffer.get(start);
        if (first == ' ' || first == '\t')
        {
            return HttpStatus.BAD_REQUEST; // obs-fold
        }
        int colon = start;
        while (colon < end && HttpChars.isTchar(buffer.get(colon)))
        {
            colon++;
        }
        if (colon == start || colon == end || buffer.get(colon) != ':')
        {
            return HttpStatus.BAD_REQUEST; // no name, no colon, or whitespace/other before the colon
        }
        int valueStart = colon + 1;
        int valueEnd = end;
        while (valueStart < valueEnd && HttpChars.isOws(buffer.get(valueStart)))
        {
            valueStart++;
        }
        while (valueEnd > valueStart && HttpChars.isOws(buffer.get(valueEnd - 1)))
        {
            valueEnd--;
        }
        if (!HttpChars.allFieldValueChars(buffer, valueStart, valueEnd))
        {
            return HttpStatus.BAD_REQUEST; // CR, LF, NUL or another control in a value
        }
        if (count == HttpHead.MAX_FIELDS)
        {
            return request ? HttpStatus.HEADERS_TOO_LARGE : HttpStatus.BAD_REQUEST;
        }
        final int at = count * 4;
        offsets[at] = start;
        offsets[at + 1] = colon;
        offsets[at + 2] = valueStart;
        offsets[at + 3] = valueEnd;
        kinds[count] = HttpHead.FIELD_OTHER;
        count++;
        return known(buffer, start, colon, valueStart, valueEnd);
    }

    private HttpStatus known(
        final ByteBuffer buffer, final int name, final int colon, final int value, final int valueEnd)
    {
        final int field = count - 1;
        // by length first: most fields match none of these and cost one switch
        switch (colon - name)
        {
            case 14:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "content-length"))
                {
                    kinds[field] = HttpHead.FIELD_CONTENT_LENGTH;
                    return facts.contentLength(buffer, value, valueEnd);
                }
                break;
            case 17:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "transfer-encoding"))
                {
                    kinds[field] = HttpHead.FIELD_TRANSFER_ENCODING;
                    facts.transferEncoding(buffer, value, valueEnd);
                }
                else if (HttpChars.equalsIgnoreCase(buffer, name, colon, "x-forwarded-proto"))
                {
                    kinds[field] = HttpHead.FIELD_X_FORWARDED;
                }
                break;
            case 4:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "host"))
                {
                    kinds[field] = HttpHead.FIELD_HOST;
                    facts.host();
                }
                break;
            case 10:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "connection"))
                {
                    kinds[field] = HttpHead.FIELD_CONNECTION;
                    facts.connection(buffer, value, valueEnd);
                }
                else if (HttpChars.equalsIgnoreCase(buffer, name, colon, "keep-alive"))
                {
                    kinds[field] = HttpHead.FIELD_HOP_BY_HOP;
                    if (!request)
                    {
                        facts.keepAlive(buffer, value, valueEnd);
                    }
                }
                break;
            case 7:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "upgrade"))
                {
                    kinds[field] = HttpHead.FIELD_UPGRADE;
                    facts.upgrade();
                }
                else if (HttpChars.equalsIgnoreCase(buffer, name, colon, "trailer"))
                {
                    kinds[field] = HttpHead.FIELD_HOP_BY_HOP;
                }
                break;
            case 6:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "expect"))
                {
                    facts.expect(buffer, value, valueEnd);
                }
                break;
            case 2:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "te"))
                {
                    kinds[field] = HttpHead.FIELD_HOP_BY_HOP;
                }
                break;
            case 16:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "proxy-connection"))
                {
                    kinds[field] = HttpHead.FIELD_HOP_BY_HOP;
                }
                break;
            case 15:
                if (HttpChars.equalsIgnoreCase(buffer, name, colon, "x-forwarded-for"))
                {
                    kinds[field] = HttpHead.FIELD_X_FORWARDED_FOR;
                }
                break;
            default:
                break;
        }
        return HttpStatus.OK;
    }

    int count()
    {
        return count;
    }

    byte kind(final int index)
    {
        return kinds[index];
    }

    int nameStart(final int index)
    {
        return offsets[index * 4];
    }

    int nameEnd(final int index)
    {
        return offsets[index * 4 + 1];
    }

    int valueStart(final int index)
    {
        return offsets[index * 4 + 2];
    }

    int valueEnd(final int index)
    {
        return offsets[index * 4 + 3];
    }
}
