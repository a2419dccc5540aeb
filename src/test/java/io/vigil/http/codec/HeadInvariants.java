package io.vigil.http.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What must hold for every head {@link HttpHead} accepts, recomputed from the raw bytes without HttpHead's code:
 * offsets in range and ordered, every line well formed (RFC 9112 §2-5), and the framing and connection facts
 * equal to what the field lines say (RFC 9112 §6, §9; RFC 9110 §7.6.1, §8.6). Shared by the fuzz tests of the
 * parser and of the head rewrite.
 */
final class HeadInvariants
{
    private HeadInvariants()
    {
    }

    /** One field line as the reference reads it. */
    record Field(String name, String value)
    {
    }

    static void expect(final boolean ok, final String what)
    {
        if (!ok)
        {
            throw new AssertionError(what);
        }
    }

    static void expectSame(final String expected, final String actual, final String what)
    {
        if (!expected.equals(actual))
        {
            throw new AssertionError(what + ":\n  expected " + expected + "\n  actual   " + actual);
        }
    }

    /**
     * Every fact the parser exposes, as one string: two parses of the same head must give equal strings.
     */
    static String facts(final HttpHead head)
    {
        final StringBuilder text = new StringBuilder(256).append("end=").append(head.headEnd())
            .append(" start=[").append(head.startLineStart()).append(',').append(head.startLineEnd())
            .append(") v=1.").append(head.versionMinor()).append(" method=").append(head.method())
            .append(" target=[").append(head.targetStart()).append(',').append(head.targetEnd())
            .append(") status=").append(head.status()).append(" cl=").append(head.contentLength())
            .append(" chunked=").append(head.chunked()).append(" te=").append(head.transferEncoding())
            .append(" close=").append(head.connectionClose()).append(" keepAlive=")
            .append(head.connectionKeepAlive()).append(" upgrade=").append(head.upgradeRequested())
            .append(" names=").append(head.connectionNamesFields()).append(" expect=").append(head.expectContinue())
            .append(" kaTimeout=").append(head.keepAliveTimeoutSec()).append(" persistent=")
            .append(head.persistent()).append(" fields=");
        for (int i = 0; i < head.fieldCount(); i++)
        {
            text.append('(').append(head.fieldNameStart(i)).append(',').append(head.fieldNameEnd(i)).append(',')
                .append(head.fieldValueStart(i)).append(',').append(head.fieldValueEnd(i)).append(',')
                .append(head.fieldKind(i)).append(')');
        }
        return text.toString();
    }

    static boolean isTchar(final int c)
    {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
            "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /** field-vchar / SP / HTAB / obs-text: never CR, LF, NUL, another control or DEL. */
    static boolean isValueChar(final int c)
    {
        return c == '\t' || c >= 0x20 && c != 0x7f && c <= 0xff;
    }

    private static boolean isOws(final int c)
    {
        return c == ' ' || c == '\t';
    }

    private static String text(final byte[] b, final int start, final int end)
    {
        return new String(b, start, end - start, StandardCharsets.ISO_8859_1);
    }

    /**
     * Check a head the parser called DONE against the bytes it came from.
     *
     * @param b              the bytes (at least {@code head.headEnd()} of them).
     * @param head           the parser, after DONE.
     * @param request        request or response.
     * @param maxRequestLine the parser's start-line limit.
     * @param maxHead        the parser's head limit.
     * @return the field lines, for further checks.
     */
    static List<Field> assertWellFormed(
        final byte[] b, final HttpHead head, final boolean request, final int maxRequestLine, final int maxHead)
    {
        final int end = head.headEnd();
        expect(end > 0 && end <= b.length && end <= maxHead, "headEnd within (0, limit] and within max-header-size");
        expect(b[end - 1] == '\n', "the head ends with LF");
        int leading = 0;
        while (leading < head.startLineStart())
        {
            expect(b[leading] == '\n' || b[leading] == '\r' && b[leading + 1] == '\n',
                "only empty lines before the start line");
            leading += b[leading] == '\r' ? 2 : 1;
        }
        expect(leading == head.startLineStart(), "start line starts after whole empty lines");
        final int startEnd = head.startLineEnd();
        expect(head.startLineStart() < startEnd, "start line not empty");
        final int startLf = lineFeed(b, startEnd, "start line");
        expect(startLf - head.startLineStart() <= maxRequestLine, "start line within max-request-line");
        if (request)
        {
            requestLine(b, head);
        }
        else
        {
            statusLine(b, head);
        }

        final List<Field> fields = new ArrayList<>();
        int line = startLf + 1;
        for (int i = 0; i < head.fieldCount(); i++)
        {
            expect(head.fieldNameStart(i) == line, "field " + i + " starts its line");
            final int colon = head.fieldNameEnd(i);
            final int valueStart = head.fieldValueStart(i);
            final int valueEnd = head.fieldValueEnd(i);
            expect(line < colon && colon < valueStart && valueStart <= valueEnd && valueEnd < end,
                "field offsets ordered and inside the head");
            for (int k = line; k < colon; k++)
            {
                expect(isTchar(b[k] & 0xff), "field name is a token");
            }
            expect(b[colon] == ':', "colon right after the name");
            for (int k = colon + 1; k < valueStart; k++)
            {
                expect(isOws(b[k]), "only OWS before the value");
            }
            for (int k = valueStart; k < valueEnd; k++)
            {
                expect(isValueChar(b[k] & 0xff), "no CR, LF, NUL or other control inside a value");
            }
            expect(valueStart == valueEnd || !isOws(b[valueStart]) && !isOws(b[valueEnd - 1]), "value trimmed");
            int k = valueEnd;
            while (isOws(b[k]))
            {
                k++;
            }
            fields.add(new Field(text(b, line, colon).toLowerCase(Locale.ROOT), text(b, valueStart, valueEnd)));
            line = lineFeed(b, k, "field line") + 1;
        }
        expect(line == end - 1 && b[line] == '\n' || line == end - 2 && b[line] == '\r' && b[line + 1] == '\n',
            "the blank line follows the last field and ends the head");
        expect(head.fieldCount() <= HttpHead.MAX_FIELDS, "at most MAX_FIELDS fields");
        for (int i = 0; i < head.fieldCount(); i++)
        {
            expect(head.fieldKind(i) == kindOf(fields.get(i).name()), "field kind matches its name");
        }
        framing(head, fields, request);
        connection(head, fields, request);
        return fields;
    }

    /** The line ends at {@code at}: CRLF or a bare LF. */
    private static int lineFeed(final byte[] b, final int at, final String what)
    {
        if (b[at] == '\r')
        {
            expect(b[at + 1] == '\n', what + " ends in CRLF (no bare CR)");
            return at + 1;
        }
        expect(b[at] == '\n', what + " ends where the parser says");
        return at;
    }

    private static void requestLine(final byte[] b, final HttpHead head)
    {
        final int start = head.startLineStart();
        final int targetStart = head.targetStart();
        final int targetEnd = head.targetEnd();
        expect(targetStart > start + 1 && b[targetStart - 1] == ' ', "method SP target");
        for (int k = start; k < targetStart - 1; k++)
        {
            expect(isTchar(b[k] & 0xff), "method is a token");
        }
        final String method = text(b, start, targetStart - 1);
        expect(head.method() == HttpMethod.OTHER ? !List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
            "OPTIONS", "TRACE", "PATCH").contains(method) : head.method().name().equals(method), "method named");
        expect(targetEnd > targetStart, "target not empty");
        for (int k = targetStart; k < targetEnd; k++)
        {
            expect(b[k] > 0x20 && b[k] < 0x7f, "target is visible ASCII");
        }
        final String target = text(b, targetStart, targetEnd);
        final String lower = target.toLowerCase(Locale.ROOT);
        if (head.method() == HttpMethod.CONNECT)
        {
            expect(!target.startsWith("/"), "CONNECT takes authority-form");
        }
        else if (target.startsWith("*"))
        {
            expect(target.equals("*") && head.method() == HttpMethod.OPTIONS, "asterisk-form only for OPTIONS");
        }
        else
        {
            expect(target.startsWith("/") || lower.startsWith("http://") || lower.startsWith("https://"),
                "origin-form or absolute-form");
        }
        expect(head.startLineEnd() == targetEnd + 9 && b[targetEnd] == ' ' &&
            text(b, targetEnd + 1, targetEnd + 9).equals("HTTP/1." + head.versionMinor()), "SP HTTP/1.x");
        expect(head.versionMinor() == 0 || head.versionMinor() == 1, "version 1.0 or 1.1");
        expect(head.status() == 0, "no status in a request");
    }

    private static void statusLine(final byte[] b, final HttpHead head)
    {
        final int start = head.startLineStart();
        final int end = head.startLineEnd();
        expect(end - start >= 12, "HTTP/1.x SP 3DIGIT");
        expect(text(b, start, start + 9).equals("HTTP/1." + head.versionMinor() + " "), "HTTP/1.x SP");
        final String code = text(b, start + 9, start + 12);
        expect(code.chars().allMatch(c -> c >= '0' && c <= '9') && Integer.parseInt(code) == head.status() &&
            head.status() >= 100, "three-digit status, at least 100");
        expect(end == start + 12 || b[start + 12] == ' ', "SP before the reason");
        for (int k = start + 12; k < end; k++)
        {
            expect(isValueChar(b[k] & 0xff), "reason has no controls");
        }
        expect(head.method() == null, "no method in a response");
    }

    static byte kindOf(final String name)
    {
        return switch (name)
        {
            case "connection" -> HttpHead.FIELD_CONNECTION;
            case "keep-alive", "proxy-connection", "te", "trailer" -> HttpHead.FIELD_HOP_BY_HOP;
            case "upgrade" -> HttpHead.FIELD_UPGRADE;
            case "x-forwarded-proto" -> HttpHead.FIELD_X_FORWARDED;
            case "x-forwarded-for" -> HttpHead.FIELD_X_FORWARDED_FOR;
            case "content-length" -> HttpHead.FIELD_CONTENT_LENGTH;
            case "transfer-encoding" -> HttpHead.FIELD_TRANSFER_ENCODING;
            case "host" -> HttpHead.FIELD_HOST;
            default -> HttpHead.FIELD_OTHER;
        };
    }

    static List<String> items(final String value)
    {
        final List<String> items = new ArrayList<>();
        for (final String item : value.split(",", -1))
        {
            items.add(item.replaceAll("^[ \t]+|[ \t]+$", ""));
        }
        return items;
    }

    private static void framing(final HttpHead head, final List<Field> fields, final boolean request)
    {
        long length = HttpHead.NO_LENGTH;
        boolean transferEncoding = false;
        String lastCoding = null;
        int chunkedCount = 0;
        int hosts = 0;
        for (final Field field : fields)
        {
            switch (field.name())
            {
                case "content-length" ->
                {
                    for (final String item : items(field.value()))
                    {
                        expect(item.matches("[0-9]{1,18}"), "Content-Length is 1 to 18 digits");
                        final long value = Long.parseLong(item);
                        expect(length == HttpHead.NO_LENGTH || length == value, "Content-Length values agree");
                        length = value;
                    }
                }
                case "transfer-encoding" ->
                {
                    transferEncoding = true;
                    final List<String> codings = items(field.value());
                    lastCoding = codings.get(codings.size() - 1);
                    chunkedCount += (int)codings.stream().filter(c -> c.equalsIgnoreCase("chunked")).count();
                }
                case "host" -> hosts++;
                default ->
                {
                }
            }
        }
        final boolean chunked = transferEncoding && "chunked".equalsIgnoreCase(lastCoding);
        expect(head.contentLength() == length, "Content-Length as the fields say");
        expect(head.transferEncoding() == transferEncoding, "Transfer-Encoding as the fields say");
        expect(head.chunked() == chunked, "chunked iff the last coding is chunked");
        expect(!(transferEncoding && length != HttpHead.NO_LENGTH), "never both Transfer-Encoding and Content-Length");
        expect(chunkedCount == (chunked ? 1 : 0), "chunked at most once, and only last");
        if (request)
        {
            expect(!transferEncoding || chunked && head.versionMinor() == 1, "a request body is delimited");
            expect(head.versionMinor() == 1 ? hosts == 1 : hosts <= 1, "one Host in HTTP/1.1, at most one in 1.0");
        }
    }

    private static void connection(final HttpHead head, final List<Field> fields, final boolean request)
    {
        boolean close = false;
        boolean keepAlive = false;
        boolean upgradeToken = false;
        boolean upgradeField = false;
        boolean namesFields = false;
        boolean expectContinue = false;
        for (final Field field : fields)
        {
            if (field.name().equals("connection"))
            {
                for (final String item : items(field.value()))
                {
                    final String token = item.toLowerCase(Locale.ROOT);
                    close |= token.equals("close");
                    keepAlive |= token.equals("keep-alive");
                    upgradeToken |= token.equals("upgrade");
                    namesFields |= !token.isEmpty() && !List.of("close", "keep-alive", "upgrade").contains(token);
                }
            }
            upgradeField |= field.name().equals("upgrade");
            expectContinue |= field.name().equals("expect") && field.value().equalsIgnoreCase("100-continue");
        }
        expect(head.connectionClose() == close, "Connection: close as the fields say");
        expect(head.connectionKeepAlive() == keepAlive, "Connection: keep-alive as the fields say");
        expect(head.upgradeRequested() == (upgradeToken && upgradeField), "upgrade needs the token and the field");
        expect(head.connectionNamesFields() == namesFields, "Connection names other fields");
        expect(head.expectContinue() == expectContinue, "Expect: 100-continue as the fields say");
        // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing: close after it
        final boolean persistent = (head.versionMinor() == 1 ? !close : keepAlive && !close) &&
            !(head.versionMinor() == 0 && head.transferEncoding());
        expect(head.persistent() == persistent, "persistence as RFC 9112 §9.3 and §6.1 say");
        expect(request ? head.keepAliveTimeoutSec() == 0 : head.keepAliveTimeoutSec() >= 0, "Keep-Alive timeout");
    }
}
