package io.vigil.http;

import java.util.Random;

/**
 * Random hostile requests, each with the status Vigil must answer (as {@link HttpRejectTest} expects for the same
 * shapes): ambiguous framing (Content-Length with Transfer-Encoding, differing lengths, chunked not last),
 * Connection tricks, malformed and overflowing chunk sizes, bare CR, obs-fold, NUL, whitespace before a colon,
 * duplicate or missing Host, over-long lines and heads, bodies beyond the limit, and requests hidden in bodies.
 * The limits match {@link HttpDifferentialTest}'s listener: max-request-line 1k, max-header-size 4k,
 * client-max-body-size 64k. Deterministic for a given {@link Random}; chunk extensions outside the grammar are
 * the shapes of {@link HttpChunkExtensionTest}.
 */
final class HostileRequests
{
    /** The listener's client-max-body-size. */
    static final int MAX_BODY = 64 * 1024;

    private final Random random;

    HostileRequests(final Random random)
    {
        this.random = random;
    }

    /**
     * @param id the request's id (in its target where the shape allows one).
     * @return the request.
     */
    DiffRequest next(final String id)
    {
        final String goodChunk = random.nextBoolean() ? "" : "5\r\nhello\r\n";
        final int shape = random.nextInt(47);
        return shape >= 28 && shape <= 43 ? refusedInBody(id, shape, goodChunk) : refusedAtHead(id, shape);
    }

    private DiffRequest refusedAtHead(final String id, final int shape)
    {
        final String target = "/d?id=" + id;
        final String post = "POST " + target + " HTTP/1.1\r\nHost: h\r\n";
        final String get = "GET " + target + " HTTP/1.1\r\n";
        final String smuggled = smuggled(id);
        return switch (shape)
        {
            // framing a second parser could read differently: refused at the head, nothing forwarded
            case 0 -> head(id, "CL+TE", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
                smuggled, 400);
            case 1 -> head(id, "TE+CL", post + "Transfer-Encoding: chunked\r\nContent-Length: " +
                (5 + smuggled.length()) + "\r\n\r\n0\r\n\r\n" + smuggled, 400);
            case 2 -> head(id, "differing Content-Length", post + "Content-Length: 5\r\nContent-Length: " +
                (5 + smuggled.length()) + "\r\n\r\nhello" + smuggled, 400);
            case 3 -> head(id, "Content-Length list that differs", post + "Content-Length: 5, 6\r\n\r\nhello", 400);
            case 4 -> head(id, "invalid Content-Length", post + "Content-Length: " +
                pick("+5", "0x5", "5 5", "-1", "", "1e3", "5;", "99999999999999999999", "\"5\"") + "\r\n\r\nhello",
                400);
            case 5 -> head(id, "Transfer-Encoding not ending in chunked", post + "Transfer-Encoding: " +
                pick("chunked, gzip", "gzip", "identity", "chunked, chunked", "\"chunked\"", "xchunked") +
                "\r\n\r\n0\r\n\r\n" + smuggled, 400);
            case 6 -> head(id, "chunked not last over two fields", post +
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n" + smuggled, 400);
            case 7 -> head(id, "Transfer-Encoding in HTTP/1.0", "POST " + target +
                " HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400);
            case 8 -> head(id, "whitespace before the colon", post + pick("Transfer-Encoding : chunked",
                "Content-Length : 5", "Content-Length\t: 5", "X-A : b") + "\r\n\r\nhello" + smuggled, 400);
            case 9 -> head(id, "obs-fold", get + "Host: h\r\nX-A: b\r\n" + pick(" ", "\t") + "c\r\n\r\n", 400);
            case 10 -> head(id, "obs-fold of Transfer-Encoding", post + "Transfer-Encoding:\r\n chunked\r\n\r\n" +
                "0\r\n\r\n" + smuggled, 400);
            case 11 -> head(id, "NUL in a value", get + "Host: h\r\nX-A: b\0c\r\n\r\n", 400);
            case 12 -> head(id, "bare CR in a value", get + "Host: h\r\nX-A: b\rc\r\n\r\n", 400);
            case 13 -> head(id, "bare CR in the request line", "GET " + target + "\r HTTP/1.1\r\nHost: h\r\n\r\n",
                400);
            case 14 -> head(id, "a line without a colon", get + "Host: h\r\nno colon here\r\n\r\n", 400);
            case 15 -> head(id, "missing Host in HTTP/1.1", get + "X-A: b\r\n\r\n", 400);
            case 16 -> head(id, "two Host fields", get + "Host: h\r\nHost: " + pick("h", "evil") + "\r\n\r\n", 400);
            case 17 -> head(id, "invalid method", pick("G(ET", "GE T", "GET\t", "G\0ET") + " " + target +
                " HTTP/1.1\r\nHost: h\r\n\r\n", 400);
            case 18 -> head(id, "invalid target", "GET " + pick(target + " x", "a/b", target + "\u007f",
                target + "\u00e9", "") + " HTTP/1.1\r\nHost: h\r\n\r\n", 400);
            case 19 -> head(id, "unsupported version", "GET " + target + " " +
                pick("HTTP/2.0", "HTTP/1.2", "HTTP/3.0") + "\r\nHost: h\r\n\r\n", 505);
            case 20 -> head(id, "malformed version", "GET " + target + " " + pick("http/1.1", "HTTP/1.10",
                "HTTP/01.1", "HTTP/1.1 ", "HTTP/1") + "\r\nHost: h\r\n\r\n", 400);
            case 21 -> head(id, "request line longer than max-request-line", requestLine(target,
                ValidRequests.MAX_REQUEST_LINE + 1 + (random.nextBoolean() ? random.nextInt(8) : random.nextInt(500))) +
                "\r\nHost: h\r\n\r\n", 414);
            case 22 -> head(id, "head longer than max-header-size", paddedHead(get + "Host: h\r\n",
                ValidRequests.MAX_HEAD + 1 + (random.nextBoolean() ? random.nextInt(8) : random.nextInt(1000))), 431);
            case 23 -> head(id, "one field longer than max-header-size", get + "Host: h\r\nX-Long: " +
                "b".repeat(4200 + random.nextInt(1000)) + "\r\n\r\n", 431);
            case 24 -> head(id, "Content-Length beyond client-max-body-size", post + "Content-Length: " +
                (MAX_BODY + 1 + random.nextInt(1000)) + "\r\n\r\n" + "x".repeat(random.nextInt(2000)), 413);
            case 25 -> head(id, "Connection: close then garbage framing", post +
                "Connection: close\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400);
            case 26 -> head(id, "LF-only head with CL+TE", "POST " + target + " HTTP/1.1\nHost: h\n" +
                "Content-Length: 5\nTransfer-Encoding: chunked\n\n0\r\n\r\n" + smuggled, 400);
            case 27 -> head(id, "Host with whitespace before the colon", get + "Host : h\r\n\r\n", 400);
            case 44 -> head(id, "NUL in a field name", get + "Host: h\r\nX-\0A: b\r\n\r\n", 400);
            case 45 -> head(id, "CONNECT (refused unless allow-connect)", "CONNECT " + pick("h:443", "127.0.0.1:22") +
                " HTTP/1.1\r\nHost: h\r\n\r\n", 405);
            default -> head(id, "Expect with CL+TE", post +
                "Expect: 100-continue\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
                400);
        };
    }

    /** Refused inside the body: the head may have been forwarded, never a whole message. */
    private DiffRequest refusedInBody(final String id, final int shape, final String goodChunk)
    {
        final String chunkedHead = "POST /d?id=" + id + " HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        final String smuggled = smuggled(id);
        return switch (shape)
        {
            case 28 -> body(id, "invalid chunk size", chunkedHead + goodChunk + pick("5x", "-5", "0x5", "", " 5",
                "+5", "g") + "\r\nhello\r\n0\r\n\r\n" + smuggled, 400);
            case 29 -> body(id, "overflowing chunk size", chunkedHead + goodChunk + pick("8000000000000000",
                "fffffffffffffffe", "ffffffffffffffff", "10000000000000000", "1000000000000000",
                "00000000000000008000000000000000") + "\r\nxxxxxxxx\r\n0\r\n\r\n" + smuggled, 400);
            case 30 -> body(id, "chunk data longer than its size", chunkedHead + goodChunk +
                "3\r\nhello\r\n0\r\n\r\n" + smuggled, 400);
            case 31 -> body(id, "chunk data not followed by CRLF", chunkedHead + goodChunk + "5\r\nhello" +
                pick("", "\n", "\r", "X\r\n") + "0\r\n\r\n" + smuggled, 400);
            case 32 -> body(id, "bare LF after a chunk size", chunkedHead + goodChunk + "5\nhello\r\n0\r\n\r\n" +
                smuggled, 400);
            case 33 -> body(id, "bare CR in a chunk size line", chunkedHead + goodChunk + "5\rhello\r\n0\r\n\r\n" +
                smuggled, 400);
            // still one draw, so the draws after it stay in step with earlier versions
            case 34 -> body(id, "chunk extension with a control or outside the grammar", chunkedHead + goodChunk +
                "5" + pick(";a=\0b", ";a=\u0001b", ";a=\u007fb", ";a=\rb", " junk", ";a b c", ";\"q\"", ";a=\"x\"y",
                ";=v", ";a=", ";a=b c", " ", ";a=\"b") + "\r\nhello\r\n0\r\n\r\n" + smuggled, 400);
            case 35 -> body(id, "obs-fold in a trailer", chunkedHead + goodChunk + "0\r\nX-T: a\r\n b\r\n\r\n" +
                smuggled, 400);
            case 36 -> body(id, "trailer without a colon", chunkedHead + goodChunk + "0\r\nno colon\r\n\r\n" + smuggled,
                400);
            case 37 -> body(id, "whitespace before a trailer's colon", chunkedHead + goodChunk +
                "0\r\nX-T : a\r\n\r\n" + smuggled, 400);
            case 38 -> body(id, "control in a trailer", chunkedHead + goodChunk + "0\r\nX-T: a" + pick("\0", "\r") +
                "b\r\n\r\n" + smuggled, 400);
            case 39 -> body(id, "request where the trailers should be", chunkedHead + goodChunk + "0\r\n" + smuggled,
                400);
            case 40 -> body(id, "LF-only last chunk", chunkedHead + goodChunk + "0\n\n" + smuggled, 400);
            case 41 -> body(id, "chunked body beyond client-max-body-size", chunkedHead +
                chunks(MAX_BODY + 1 + random.nextInt(4000)) + "0\r\n\r\n", 413);
            case 42 -> body(id, "chunk size beyond client-max-body-size", chunkedHead + pick("fffffff", "20000",
                "ffffffffffffff") + "\r\n" + "x".repeat(MAX_BODY + 1 + random.nextInt(3000)), 413);
            default -> body(id, "chunked then a request smuggled as a chunk size", chunkedHead + goodChunk +
                smuggled, 400);
        };
    }

    private static String smuggled(final String id)
    {
        return "GET /d?id=" + id + "-smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
    }

    /** @return a request line of exactly {@code length} bytes (without its CRLF). */
    private static String requestLine(final String target, final int length)
    {
        final String bare = "GET " + target + "&pad= HTTP/1.1";
        return "GET " + target + "&pad=" + "a".repeat(Math.max(0, length - bare.length())) + " HTTP/1.1";
    }

    /** @return {@code start} and filler fields making a head of exactly {@code length} bytes with its blank line. */
    private String paddedHead(final String start, final int length)
    {
        final StringBuilder head = new StringBuilder(start);
        while (length - head.length() - 2 > 40)
        {
            head.append("X-Long: ").append("b".repeat(random.nextInt(30))).append("\r\n");
        }
        final int last = length - head.length() - 2 - "X-End: \r\n".length();
        return head.append("X-End: ").append("e".repeat(Math.max(0, last))).append("\r\n\r\n").toString();
    }

    private String chunks(final int total)
    {
        final StringBuilder text = new StringBuilder();
        int left = total;
        while (left > 0)
        {
            final int n = Math.min(left, 1 + random.nextInt(8000));
            text.append(Integer.toHexString(n)).append("\r\n").append("y".repeat(n)).append("\r\n");
            left -= n;
        }
        return text.toString();
    }

    private static DiffRequest head(final String id, final String label, final String text, final int status)
    {
        return DiffRequest.hostile(id, label, text, status, false);
    }

    private static DiffRequest body(final String id, final String label, final String text, final int status)
    {
        return DiffRequest.hostile(id, label, text, status, true);
    }

    private String pick(final String... options)
    {
        return options[random.nextInt(options.length)];
    }
}
