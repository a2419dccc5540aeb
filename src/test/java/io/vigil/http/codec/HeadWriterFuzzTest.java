package io.vigil.http.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.test.FuzzWatchdog;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static io.vigil.http.codec.HeadInvariants.expect;
import static io.vigil.http.codec.HeadInvariants.expectSame;

/**
 * Coverage-guided fuzzing of the head rewrite ({@link HeadWriter}): every head {@link HttpHead} accepts is written
 * with fuzzer-chosen options (upgrade, persistence, forwarding fields, room in the buffer, interim bytes before
 * it) and the output must re-parse as one complete head that means the same: same method, target, version, status
 * and reason; same framing (Content-Length, chunked); same Host fields; every end-to-end field copied in order and
 * byte for byte; no hop-by-hop field (RFC 9110 §7.6.1), only Vigil's own Connection; CRLF line ends only and no NUL.
 * Writing the output again changes nothing. Too little room gives {@link HeadWriter#NO_ROOM}, never a partial head.
 *
 * <p>Input layout (FuzzedDataProvider; seeds are the head followed by five zero bytes): last byte the flags, then
 * the options, then the buffer room, then the head.
 */
class HeadWriterFuzzTest
{
    private static final byte[][] CLIENTS = {null, bytes("192.0.2.7"), bytes("0:0:0:0:0:0:0:1%1")};
    private static final byte[][] NODES = {null, bytes("192.0.2.7"), bytes("\"[0:0:0:0:0:0:0:1]\"")};
    private static final Set<String> HOP_BY_HOP = Set.of("keep-alive", "proxy-connection", "te", "trailer");
    private static final int BIG = 1 << 20;

    /** One field line with its name as written. */
    private record Line(String name, String value)
    {
        String lowerName()
        {
            return name.toLowerCase(Locale.ROOT);
        }
    }

    /** What the caller asked the writer for. */
    private record Options(boolean upgrade, boolean persist, byte[] xForwardedFor, byte[] forwarded, boolean client10)
    {
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @FuzzTest
    void shouldRewriteRequestHeads(final FuzzedDataProvider data)
    {
        FuzzWatchdog.run("HeadWriter request", () -> check(data, true));
    }

    @FuzzTest
    void shouldRewriteResponseHeads(final FuzzedDataProvider data)
    {
        FuzzWatchdog.run("HeadWriter response", () -> check(data, false));
    }

    private static void check(final FuzzedDataProvider data, final boolean request)
    {
        final int flags = data.consumeInt(0, 255);
        final int choices = data.consumeInt(0, 255);
        final int room = data.consumeInt(0, 1 << 16);
        final byte[] message = data.consumeRemainingAsBytes();
        final ByteBuffer in = HttpHeadFuzzTest.bufferOf(message, flags);
        final HttpHead head = new HttpHead(request, 8192, 32 * 1024);
        if (head.scan(in, message.length) != HttpHead.DONE)
        {
            return;
        }
        // as HttpSession calls it: upgrade only when the request asked for it, switching only on 101
        final boolean upgrade = (choices & 1) != 0 && (request ? head.upgradeRequested() : head.status() == 101);
        final Options options = new Options(upgrade, (choices & 2) != 0, CLIENTS[(choices >> 2) % 3],
            NODES[(choices >> 4) % 3], (choices & 64) != 0);
        final int offset = request ? 0 : (choices >> 7) * 7;

        final HeadWriter writer = new HeadWriter();
        final ByteBuffer roomy = ByteBuffer.allocate(BIG);
        final int end = write(writer, in, head, roomy, offset, request, options);
        expect(end != HeadWriter.NO_ROOM && end > offset, "a head that parsed is always written given room");
        final byte[] out = new byte[end - offset];
        roomy.get(offset, out);
        final ByteBuffer tight = ByteBuffer.allocate(offset + room % (end - offset + 64));
        final int tightEnd = write(writer, in, head, tight, offset, request, options);
        expect(tightEnd == (end <= tight.capacity() ? end : HeadWriter.NO_ROOM),
            "NO_ROOM exactly when it does not fit");

        lineEnds(out);
        final List<Line> input = lines(message, head);
        final List<Line> fields = kept(input, request, options);
        fields.addAll(added(head, input, request, options));
        expectSame(expected(message, head, request, fields), text(out), "the rewrite, byte for byte");
        if (fields.size() > HttpHead.MAX_FIELDS)
        {
            // more fields than Vigil's own parser takes (Vigil adds its own): the next hop's limit applies there
            // (nginx has none, HAProxy 101 by default), so the byte-for-byte check above is all there is
            return;
        }
        final HttpHead again = new HttpHead(request, BIG, BIG);
        expect(again.scan(ByteBuffer.wrap(out), out.length) == HttpHead.DONE, "the rewrite parses");
        expect(again.headEnd() == out.length, "the rewrite is exactly one head");
        HeadInvariants.assertWellFormed(out, again, request, BIG, BIG);
        sameMeaning(head, again, request, options);

        final HeadWriter second = new HeadWriter();
        final ByteBuffer twice = ByteBuffer.allocate(BIG);
        final Options plain = new Options(options.upgrade(), options.persist(), null, null, options.client10());
        final int plainEnd = write(second, in, head, twice, 0, request, plain);
        final byte[] once = new byte[plainEnd];
        twice.get(0, once);
        final HttpHead onceHead = new HttpHead(request, BIG, BIG);
        if (onceHead.scan(ByteBuffer.wrap(once), once.length) != HttpHead.DONE)
        {
            expect(onceHead.error() != HttpStatus.OK && onceHead.fieldCount() == HttpHead.MAX_FIELDS,
                "a plain rewrite parses, unless it has more fields than Vigil's parser takes");
            return;
        }
        final int twiceEnd = write(second, ByteBuffer.wrap(once), onceHead, twice, 0, request, plain);
        final byte[] rewritten = new byte[twiceEnd];
        twice.get(0, rewritten);
        expectSame(text(once), text(rewritten), "rewriting a rewritten head changes nothing");
    }

    private static int write(
        final HeadWriter writer, final ByteBuffer in, final HttpHead head, final ByteBuffer target, final int offset,
        final boolean request, final Options options)
    {
        return request ?
            writer.request(in, head, target, options.upgrade(), options.persist(), options.xForwardedFor(),
                options.forwarded()) :
            writer.response(in, head, target, offset, options.upgrade(), options.persist(), options.client10());
    }

    private static String text(final byte[] b)
    {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static void lineEnds(final byte[] out)
    {
        for (int k = 0; k < out.length; k++)
        {
            expect(out[k] != 0, "no NUL anywhere in a written head");
            expect(out[k] != '\r' || k + 1 < out.length && out[k + 1] == '\n', "no bare CR in a written head");
            expect(out[k] != '\n' || k > 0 && out[k - 1] == '\r', "no bare LF in a written head");
        }
    }

    private static List<Line> lines(final byte[] b, final HttpHead head)
    {
        final List<Line> lines = new ArrayList<>();
        for (int i = 0; i < head.fieldCount(); i++)
        {
            lines.add(new Line(
                new String(b, head.fieldNameStart(i), head.fieldNameEnd(i) - head.fieldNameStart(i),
                    StandardCharsets.ISO_8859_1),
                new String(b, head.fieldValueStart(i), head.fieldValueEnd(i) - head.fieldValueStart(i),
                    StandardCharsets.ISO_8859_1)));
        }
        return lines;
    }

    /** The head HeadWriter must write: the start line (a response's in HTTP/1.1), then the fields, CRLF each. */
    private static String expected(
        final byte[] message, final HttpHead head, final boolean request, final List<Line> fields)
    {
        final String start = new String(message, head.startLineStart(), head.startLineEnd() - head.startLineStart(),
            StandardCharsets.ISO_8859_1);
        final StringBuilder text = new StringBuilder(request ? start : "HTTP/1.1" + start.substring(8)).append("\r\n");
        for (final Line line : fields)
        {
            text.append(line.name()).append(": ").append(line.value()).append("\r\n");
        }
        return text.append("\r\n").toString();
    }

    /** The end-to-end fields, in order, as copied: everything but hop-by-hop fields and what Vigil writes itself. */
    private static List<Line> kept(final List<Line> input, final boolean request, final Options options)
    {
        final Set<String> named = new java.util.HashSet<>();
        for (final Line line : input)
        {
            if (line.lowerName().equals("connection"))
            {
                HeadInvariants.items(line.value()).forEach(item -> named.add(item.toLowerCase(Locale.ROOT)));
            }
        }
        final boolean forwarding = request && options.xForwardedFor() != null;
        final List<Line> kept = new ArrayList<>();
        for (final Line line : input)
        {
            final String name = line.lowerName();
            // Transfer-Encoding and Host stay whatever Connection names; Upgrade stays exactly when switching
            final boolean protectedName = name.equals("transfer-encoding") || name.equals("host") ||
                name.equals("upgrade");
            final boolean dropped = name.equals("connection") || name.equals("content-length") ||
                HOP_BY_HOP.contains(name) || name.equals("upgrade") && !options.upgrade() ||
                forwarding && (name.equals("x-forwarded-for") || name.equals("x-forwarded-proto")) ||
                named.contains(name) && !protectedName;
            if (!dropped)
            {
                kept.add(line);
            }
        }
        return kept;
    }

    /** What the next hop reads from the rewrite: the same framing, and the persistence Vigil chose. */
    private static void sameMeaning(
        final HttpHead head, final HttpHead again, final boolean request, final Options options)
    {
        expect(again.contentLength() == head.contentLength() && again.chunked() == head.chunked() &&
            again.transferEncoding() == head.transferEncoding(), "the same framing");
        expect(request || again.status() == head.status(), "the same status");
        expect(!request || again.method() == head.method() && again.versionMinor() == head.versionMinor(),
            "the same method and version");
        expect(options.upgrade() || again.persistent() == options.persist(),
            "the next hop reads the persistence Vigil chose");
    }

    /** What Vigil adds after the copied fields, in order. */
    private static List<Line> added(
        final HttpHead head, final List<Line> input, final boolean request, final Options options)
    {
        final List<Line> added = new ArrayList<>();
        if (head.contentLength() != HttpHead.NO_LENGTH)
        {
            added.add(new Line("Content-Length", Long.toString(head.contentLength())));
        }
        if (request && options.xForwardedFor() != null)
        {
            final StringBuilder chain = new StringBuilder();
            for (final Line line : input)
            {
                if (line.lowerName().equals("x-forwarded-for") && !line.value().isEmpty())
                {
                    chain.append(line.value()).append(", ");
                }
            }
            added.add(new Line("X-Forwarded-For", chain + text(options.xForwardedFor())));
            added.add(new Line("X-Forwarded-Proto", "http"));
        }
        if (request && options.forwarded() != null)
        {
            added.add(new Line("Forwarded", "for=" + text(options.forwarded()) + ";proto=http"));
        }
        final boolean tenClient = request ? head.versionMinor() == 0 : options.client10();
        if (options.upgrade())
        {
            added.add(new Line("Connection", "upgrade"));
        }
        else if (!options.persist())
        {
            added.add(new Line("Connection", "close"));
        }
        else if (tenClient)
        {
            added.add(new Line("Connection", "keep-alive"));
        }
        return added;
    }
}
