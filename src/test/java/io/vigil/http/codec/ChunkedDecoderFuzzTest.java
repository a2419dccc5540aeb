package io.vigil.http.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.test.FuzzSplits;
import io.vigil.test.FuzzWatchdog;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static io.vigil.http.codec.HeadInvariants.expect;

/**
 * Coverage-guided, differential fuzzing of {@link ChunkedDecoder} against {@link ChunkedReference}: fed whole,
 * byte by byte and at fuzzer-chosen cuts, the decoder must give the reference's answer (where the body ends, or
 * that it is refused, or that more is needed) and the same decoded size. Every call must make progress: consume at
 * least one byte, refuse, or end the body; a call that spins is caught by {@link FuzzWatchdog}. A refusal is final.
 *
 * <p>Input layout (FuzzedDataProvider; seeds are the body followed by three zero bytes): last byte the flags
 * (direct buffer, byte order), then the trailer budget, then the cuts, then the body.
 */
class ChunkedDecoderFuzzTest
{
    private static final int[] TRAILER_BUDGETS = {8192, 0, 4, 16};
    /** Bytes that would end a body in most states. */
    private static final ByteBuffer VALID_END =
        ByteBuffer.wrap("\r\n\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

    @FuzzTest
    void shouldDecodeChunkedBodies(final FuzzedDataProvider data)
    {
        FuzzWatchdog.run("ChunkedDecoder", () -> check(data));
    }

    private static void check(final FuzzedDataProvider data)
    {
        final int flags = data.consumeInt(0, 255);
        final int maxTrailer = TRAILER_BUDGETS[data.consumeInt(0, TRAILER_BUDGETS.length - 1)];
        final int[] raw = FuzzSplits.choose(data);
        final byte[] body = data.consumeRemainingAsBytes();
        final int n = body.length;
        final ByteBuffer buffer = HttpHeadFuzzTest.bufferOf(body, flags);
        final ChunkedReference.Result expected = ChunkedReference.read(body, 0, n, maxTrailer);
        final String want = outcome(expected.end(), expected.dataBytes());

        final ChunkedDecoder decoder = new ChunkedDecoder(maxTrailer);
        HeadInvariants.expectSame(want, feed(decoder, buffer, new int[] {n}), "whole as the reference");
        decoder.reset();
        final int[] bytes = new int[n];
        for (int k = 0; k < n; k++)
        {
            bytes[k] = k + 1;
        }
        HeadInvariants.expectSame(want, feed(decoder, buffer, bytes), "byte by byte as the reference");
        decoder.reset();
        HeadInvariants.expectSame(want, feed(decoder, buffer, FuzzSplits.cuts(raw, n)), "split as the reference");
    }

    private static String outcome(final int end, final long dataBytes)
    {
        return switch (end)
        {
            case ChunkedReference.INVALID -> "INVALID";
            case ChunkedReference.MORE -> "MORE data=" + dataBytes;
            default -> "END at " + end + " data=" + dataBytes;
        };
    }

    /** Feed the reads ending at {@code cuts}, checking progress on each; the outcome in reference terms. */
    private static String feed(final ChunkedDecoder decoder, final ByteBuffer buffer, final int[] cuts)
    {
        expect(!decoder.done() && decoder.dataBytes() == 0, "reset forgets the last body");
        int from = 0;
        long dataBefore = 0;
        for (final int to : cuts)
        {
            if (to == from)
            {
                continue;
            }
            final int end = decoder.consume(buffer, from, to);
            if (end == ChunkedDecoder.INVALID)
            {
                if (to < buffer.limit())
                {
                    expect(decoder.consume(buffer, to, buffer.limit()) == ChunkedDecoder.INVALID,
                        "a refused body stays refused");
                }
                expect(decoder.consume(VALID_END.duplicate(), 0, VALID_END.limit()) == ChunkedDecoder.INVALID,
                    "a refused body stays refused");
                return "INVALID";
            }
            expect(end > from && end <= to, "each call consumes at least one byte and stays in its range");
            expect(decoder.dataBytes() >= dataBefore && decoder.dataBytes() - dataBefore <= end - from,
                "the decoded size grows by at most the bytes consumed");
            dataBefore = decoder.dataBytes();
            if (decoder.done())
            {
                return "END at " + end + " data=" + decoder.dataBytes();
            }
            expect(end == to, "a body that has not ended takes the whole range");
            from = to;
        }
        return "MORE data=" + decoder.dataBytes();
    }
}
