package io.vigil.http;

import io.vigil.test.RecordingOrigin;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random valid HTTP/1.1 requests in every framing form a client may use (no body, Content-Length, chunked with
 * extensions, trailers and many small chunks, HEAD, Expect: 100-continue, HTTP/1.0 with keep-alive) and in the
 * lenient shapes RFC 9112 lets a server accept (bare LF line ends, a leading empty line, OWS, "5, 5", odd
 * field-name case, Connection naming framing fields or Host). Each asks the {@link RecordingOrigin} for a
 * response form of its own. Deterministic for a given {@link Random}.
 */
final class ValidRequests
{
    /** Text an attacker would hide in a body, hoping a parser reads it as a second request. */
    static final String SMUGGLED = "0\r\n\r\nGET /d?id=smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

    /** The listener's max-request-line and max-header-size in {@link HttpDifferentialTest}. */
    static final int MAX_REQUEST_LINE = 1024;
    static final int MAX_HEAD = 4096;

    private static final String[] NO_BODY_METHODS = {"GET", "GET", "GET", "DELETE", "OPTIONS"};
    /** Any method may carry a body; HEAD with one is rare and legal, and its response still has none. */
    private static final String[] BODY_METHODS = {"POST", "POST", "POST", "PUT", "PATCH", "PUT", "GET", "DELETE",
        "POST", "HEAD"};

    private final Random random;

    ValidRequests(final Random random)
    {
        this.random = random;
    }

    /**
     * @param id   the request's id.
     * @param last make it end the connection (Connection: close, HTTP/1.0 without keep-alive, or a response
     *             delimited by close).
     * @return the request.
     */
    DiffRequest next(final String id, final boolean last)
    {
        final int form = random.nextInt(100);
        final boolean http10 = form >= 88 || last && random.nextInt(3) == 0;
        final boolean hasBody = form >= 40 && form < 88 || http10 && random.nextBoolean();
        final boolean chunked = hasBody && !http10 && random.nextBoolean();
        final String method = !http10 && form < 10 ? "HEAD" : hasBody ? pick(BODY_METHODS) : pick(NO_BODY_METHODS);
        final boolean head = method.equals("HEAD");
        final byte[] body = hasBody ? body() : new byte[0];
        final String closeBy = !last ? "" : http10 ? "http10" : head ? "close" : hasBody && random.nextInt(4) == 0 ?
            "reject" : pick(new String[] {"close", "u"});
        final boolean reject = closeBy.equals("reject");
        final String rt = closeBy.equals("u") ? "u" : pick(new String[] {"l", "l", "l", "c", "c", "n"});
        final int rlen = responseLength();
        final boolean earlyHints = !http10 && !reject && random.nextInt(12) == 0;
        final StringBuilder target = new StringBuilder("/d?id=").append(id).append("&rt=").append(rt)
            .append("&rlen=").append(rlen).append(earlyHints ? "&early=1" : "").append(reject ? "&reject=1" : "");
        if (random.nextInt(10) == 0)
        {
            target.append("&rc=1"); // the origin closes its side: Vigil must not reuse that connection
        }
        final String requestTarget = random.nextInt(25) == 0 ? "http://h" + target : target.toString();
        final String tag = random.nextBoolean() ? "t" + Long.toHexString(random.nextLong()) : null;
        final boolean expect = (chunked || body.length > 0) && !http10 && random.nextInt(7) == 0;
        final List<String> fields = fields(http10, last, closeBy, tag, expect, hasBody, chunked, body.length);

        final byte[] headBytes = head(method + " " + requestTarget + (http10 ? " HTTP/1.0" : " HTTP/1.1"), fields);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(headBytes);
        bytes.writeBytes(chunked ? chunkedBody(body) : body);
        final boolean noResponseBody = head || rt.equals("n") && !reject;
        final String label = method + (http10 ? " 1.0" : "") + (chunked ? " chunked" : hasBody ? " length" : "") +
            (expect ? " expect" : "") + (earlyHints ? " early-hints" : "") + " rt=" + rt +
            (last ? " last=" + closeBy : "") + " head=" + headBytes.length;
        final byte[] responseBody = reject ? "rejected".getBytes(StandardCharsets.US_ASCII) :
            noResponseBody ? null : RecordingOrigin.responseBody(id, rlen);
        return new DiffRequest(id, label, bytes.toByteArray(), last ? DiffRequest.Kind.LAST : DiffRequest.Kind.VALID,
            reject ? 413 : rt.equals("n") ? 204 : 200, method, head, expect && !reject,
            expect && !reject && random.nextBoolean(), earlyHints, headBytes.length, http10 && !last,
            reject ? RecordingOrigin.REJECTED_EARLY : RecordingOrigin.digest(body), responseBody, tag, reject, false);
    }

    private List<String> fields(final boolean http10, final boolean last, final String closeBy, final String tag,
        final boolean expect, final boolean hasBody, final boolean chunked, final int bodyLength)
    {
        final List<String> fields = new ArrayList<>();
        if (!http10 || random.nextBoolean())
        {
            fields.add(name("Host") + ":" + ows() + "h" + random.nextInt(1000) + ows());
        }
        if (tag != null)
        {
            fields.add("X-Tag: " + tag);
        }
        if (http10 && !last)
        {
            fields.add("Connection: keep-alive");
        }
        if (closeBy.equals("close"))
        {
            fields.add(pick(new String[] {"Connection: close", "Connection: keep-alive, close", "connection:close"}));
        }
        if (expect)
        {
            fields.add(pick(new String[] {"Expect: 100-continue", "expect: 100-Continue"}));
        }
        if (!hasBody && random.nextInt(10) == 0)
        {
            fields.add(name("Content-Length") + ": 0");
        }
        if (hasBody && !chunked)
        {
            final String length = Integer.toString(bodyLength);
            fields.add(name("Content-Length") + ":" + ows() + (random.nextInt(12) == 0 ? length + ", " + length :
                length) + ows());
        }
        if (chunked)
        {
            fields.add(name("Transfer-Encoding") + ":" + ows() + pick(new String[] {"chunked", "Chunked"}) + ows());
        }
        hopByHopFields(fields, hasBody, chunked, http10 || closeBy.equals("close"));
        if (random.nextInt(4) == 0)
        {
            fields.add("X-Filler: " + "f".repeat(random.nextInt(300)));
        }
        java.util.Collections.shuffle(fields, random);
        return fields;
    }

    /**
     * The head's bytes. Now and then padded to just within the listener's limits (request line up to 1023 bytes
     * before its CRLF, head up to {@link #MAX_HEAD} bytes with the blank line), where off-by-one errors live.
     */
    private byte[] head(final String requestLine, final List<String> fields)
    {
        final String eol = random.nextInt(20) == 0 ? "\n" : "\r\n"; // bare LF: a recipient may accept it
        final String leading = random.nextInt(30) == 0 ? "\r\n" : ""; // RFC 9112 §2.2: ignored before a request
        String line = requestLine;
        if (random.nextInt(30) == 0)
        {
            final int space = line.indexOf(' ', line.indexOf(' ') + 1);
            final int pad = MAX_REQUEST_LINE - 1 - random.nextInt(40) - line.length() - "&pad=".length();
            line = pad < 0 ? line : line.substring(0, space) + "&pad=" + "p".repeat(pad) + line.substring(space);
        }
        final StringBuilder text = new StringBuilder(leading).append(line).append(eol);
        for (final String field : fields)
        {
            text.append(field).append(eol);
        }
        if (random.nextInt(30) == 0)
        {
            final int pad = MAX_HEAD - random.nextInt(100) - text.length() - "X-Pad: ".length() - 2 * eol.length();
            if (pad >= 0)
            {
                text.append("X-Pad: ").append("p".repeat(pad)).append(eol);
            }
        }
        text.append(eol);
        return text.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private void hopByHopFields(final List<String> fields, final boolean hasBody, final boolean chunked,
        final boolean hasConnection)
    {
        if (hasConnection)
        {
            return;
        }
        switch (random.nextInt(12))
        {
            case 0 -> fields.add("Connection: " + (chunked ? "transfer-encoding" : hasBody ? "content-length" :
                "host"));
            case 1 ->
            {
                fields.add("Connection: x-hop, keep-alive");
                fields.add("X-Hop: must-not-be-forwarded");
            }
            case 2 -> fields.add("Keep-Alive: timeout=5");
            case 3 -> fields.add("TE: trailers");
            default ->
            {
            }
        }
    }

    private byte[] body()
    {
        final int size = switch (random.nextInt(10))
        {
            case 0 -> 0;
            case 1, 2, 3, 4 -> 1 + random.nextInt(64);
            case 5, 6, 7 -> random.nextInt(3000);
            case 8 -> random.nextInt(20_000);
            default -> 20_000 + random.nextInt(40_000); // longer than Vigil's buffer: streams through
        };
        final byte[] body = new byte[size];
        if (random.nextBoolean())
        {
            random.nextBytes(body);
        }
        else
        {
            for (int i = 0; i < size; i++)
            {
                body[i] = (byte)(' ' + random.nextInt(95));
            }
        }
        if (size >= SMUGGLED.length() && random.nextInt(3) == 0)
        {
            final byte[] smuggled = SMUGGLED.getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(smuggled, 0, body, random.nextInt(size - smuggled.length + 1), smuggled.length);
        }
        return body;
    }

    private byte[] chunkedBody(final byte[] body)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int maxChunk = pick(new int[] {1, 3, 16, 200, 4096, 70_000});
        int offset = 0;
        while (offset < body.length)
        {
            final int n = Math.min(body.length - offset, 1 + random.nextInt(maxChunk));
            out.writeBytes(ascii(chunkSize(n) + extension() + "\r\n"));
            out.write(body, offset, n);
            out.writeBytes(ascii("\r\n"));
            offset += n;
        }
        out.writeBytes(ascii(chunkSize(0) + extension() + "\r\n"));
        final int trailers = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0;
        for (int i = 0; i < trailers; i++)
        {
            out.writeBytes(ascii("X-Trailer-" + i + ":" + ows() + "v" + random.nextInt(100) + ows() + "\r\n"));
        }
        out.writeBytes(ascii("\r\n"));
        return out.toByteArray();
    }

    private String chunkSize(final int n)
    {
        final String hex = Integer.toHexString(n);
        final String cased = random.nextBoolean() ? hex : hex.toUpperCase(java.util.Locale.ROOT);
        return random.nextInt(15) == 0 ? "0".repeat(1 + random.nextInt(20)) + cased : cased;
    }

    private String extension()
    {
        return switch (random.nextInt(12))
        {
            case 0 -> ";ext";
            case 1 -> ";a=b;c=\"quoted value\"";
            case 2 -> " ; name = value";
            case 3 -> ";q=\"a\\\"b\"";
            default -> "";
        };
    }

    private int responseLength()
    {
        return switch (random.nextInt(8))
        {
            case 0 -> 0;
            case 1, 2, 3, 4 -> random.nextInt(200);
            case 5, 6 -> random.nextInt(5000);
            default -> random.nextInt(50_000);
        };
    }

    private String name(final String name)
    {
        return switch (random.nextInt(8))
        {
            case 0 -> name.toLowerCase(java.util.Locale.ROOT);
            case 1 -> name.toUpperCase(java.util.Locale.ROOT);
            default -> name;
        };
    }

    private String ows()
    {
        return switch (random.nextInt(8))
        {
            case 0 -> "";
            case 1 -> "\t";
            case 2 -> "  ";
            default -> " ";
        };
    }

    private String pick(final String[] options)
    {
        return options[random.nextInt(options.length)];
    }

    private int pick(final int[] options)
    {
        return options[random.nextInt(options.length)];
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
