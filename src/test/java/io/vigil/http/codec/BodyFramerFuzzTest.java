package io.vigil.http.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.test.FuzzSplits;
import io.vigil.test.FuzzWatchdog;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static io.vigil.http.codec.HeadInvariants.expect;

/**
 * Coverage-guided fuzzing of {@link BodyFramer}: a message head (request, response, response to HEAD) or a framing
 * chosen directly, then body bytes fed whole, byte by byte and at fuzzer-chosen cuts through one framer that is
 * re-armed each time. The framer must find the end the framing defines (chunked bodies against
 * {@link ChunkedReference}), count the body, make progress on every call (consume a byte, refuse, or report the
 * body complete) and never run past the range it is given.
 *
 * <p>The framing of a parsed head follows HttpSession's decision (startExchange, frameResponse), RFC 9112 §6.3:
 * a response to HEAD, a 1xx, 204 or 304 has no body; chunked wins; Transfer-Encoding without chunked, or no
 * Content-Length, runs to the close; else Content-Length.
 *
 * <p>Input layout (FuzzedDataProvider; seeds are the message followed by two zero bytes): last byte the flags
 * (buffer kind, byte order, source: request / response / response to HEAD / direct), then the cuts, then (direct
 * source only) the framing and length, then the message.
 */
class BodyFramerFuzzTest
{
    private static final int MAX_TRAILER_BYTES = 8 * 1024;
    private static final ByteBuffer LAST_BODY = ByteBuffer.wrap(new byte[] {'l', 'a', 's', 't'});

    private enum Kind
    {
        NONE, LENGTH, CHUNKED, UNTIL_CLOSE
    }

    @FuzzTest
    void shouldFrameBodies(final FuzzedDataProvider data)
    {
        FuzzWatchdog.run("BodyFramer", () -> check(data));
    }

    private static void check(final FuzzedDataProvider data)
    {
        final int flags = data.consumeInt(0, 255);
        final int source = (flags >> 2) & 3;
        final int[] raw = FuzzSplits.choose(data);
        Kind kind = Kind.values()[source == 3 ? data.consumeInt(0, 3) : 0];
        long length = source == 3 ? data.consumeLong(0, 1L << 40) : 0;
        final byte[] message = data.consumeRemainingAsBytes();
        final int n = message.length;
        final ByteBuffer buffer = HttpHeadFuzzTest.bufferOf(message, flags);
        int bodyStart = 0;
        if (source < 3)
        {
            final HttpHead head = new HttpHead(source == 0, 8192, 32 * 1024);
            if (head.scan(buffer, n) != HttpHead.DONE)
            {
                return;
            }
            bodyStart = head.headEnd();
            length = head.contentLength();
            kind = source == 0 ? requestFraming(head) : responseFraming(head, source == 2);
            expect(kind != Kind.LENGTH || length > 0, "a length body has a length");
        }

        final int start = bodyStart;
        final String want = expected(kind, length, message, start);
        final int[] cuts = FuzzSplits.cuts(raw, n - start);
        final BodyFramer framer = new BodyFramer();
        HeadInvariants.expectSame(want, feed(framer, kind, length, buffer, start, new int[] {n}), "whole");
        final int[] bytes = new int[n - start];
        Arrays.setAll(bytes, k -> start + k + 1);
        HeadInvariants.expectSame(want, feed(framer, kind, length, buffer, start, bytes), "byte by byte");
        HeadInvariants.expectSame(want, feed(framer, kind, length, buffer, start,
            Arrays.stream(cuts).map(c -> c + start).toArray()), "split");
    }

    private static Kind requestFraming(final HttpHead head)
    {
        if (head.chunked())
        {
            return Kind.CHUNKED;
        }
        return head.contentLength() > 0 ? Kind.LENGTH : Kind.NONE;
    }

    private static Kind responseFraming(final HttpHead head, final boolean headRequest)
    {
        final int status = head.status();
        if (headRequest || status < 200 || status == 204 || status == 304)
        {
            return Kind.NONE;
        }
        if (head.chunked())
        {
            return Kind.CHUNKED;
        }
        if (head.transferEncoding() || head.contentLength() == HttpHead.NO_LENGTH)
        {
            return Kind.UNTIL_CLOSE;
        }
        return head.contentLength() > 0 ? Kind.LENGTH : Kind.NONE;
    }

    private static String expected(final Kind kind, final long length, final byte[] message, final int start)
    {
        final int available = message.length - start;
        return switch (kind)
        {
            case NONE -> "END at " + start + " body=0";
            case LENGTH -> length <= available ? "END at " + (start + length) + " body=" + length :
                "MORE body=" + available;
            case UNTIL_CLOSE -> "MORE body=" + available + " eof ends it";
            case CHUNKED ->
            {
                final ChunkedReference.Result result = ChunkedReference.read(message, start, message.length,
                    MAX_TRAILER_BYTES);
                yield switch (result.end())
                {
                    case ChunkedReference.INVALID -> "INVALID";
                    case ChunkedReference.MORE -> "MORE body=" + result.dataBytes();
                    default -> "END at " + result.end() + " body=" + result.dataBytes();
                };
            }
        };
    }

    private static void arm(final BodyFramer framer, final Kind kind, final long length)
    {
        // the last message left state behind: re-arming must forget it
        framer.untilClose();
        framer.advance(LAST_BODY, 0, LAST_BODY.limit());
        switch (kind)
        {
            case NONE -> framer.none();
            case LENGTH -> framer.length(length);
            case CHUNKED -> framer.chunked();
            default -> framer.untilClose();
        }
        expect(framer.bodyBytes() == 0, "a re-armed framer has seen no body");
        expect(framer.endsAtClose() == (kind == Kind.UNTIL_CLOSE), "ends at close only when framed so");
    }

    private static String feed(
        final BodyFramer framer, final Kind kind, final long length, final ByteBuffer buffer, final int start,
        final int[] cuts)
    {
        arm(framer, kind, length);
        int from = start;
        for (final int to : cuts)
        {
            if (framer.complete())
            {
                expect(framer.advance(buffer, from, buffer.limit()) == from, "a complete body takes no more bytes");
                return "END at " + from + " body=" + framer.bodyBytes();
            }
            if (to == from)
            {
                continue;
            }
            final long before = framer.bodyBytes();
            final int end = framer.advance(buffer, from, to);
            if (end == BodyFramer.INVALID)
            {
                expect(!framer.complete(), "a refused body is not complete");
                return "INVALID";
            }
            expect(end > from && end <= to, "each call consumes at least one byte and stays in its range");
            expect(framer.bodyBytes() >= before && framer.bodyBytes() - before <= end - from,
                "the body count grows by at most the bytes consumed");
            if (end < to)
            {
                expect(framer.complete(), "a body that stops short of the range has ended");
            }
            from = end;
        }
        if (framer.complete())
        {
            return "END at " + from + " body=" + framer.bodyBytes();
        }
        final String more = "MORE body=" + framer.bodyBytes();
        framer.onEof();
        return framer.complete() ? more + " eof ends it" : more;
    }
}
