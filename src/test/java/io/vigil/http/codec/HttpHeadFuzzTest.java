package io.vigil.http.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.test.FuzzSplits;
import io.vigil.test.FuzzWatchdog;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

import static io.vigil.http.codec.HeadInvariants.expect;

/**
 * Coverage-guided fuzzing of {@link HttpHead} (requests and responses) and the byte scans of {@link HttpChars}.
 * Each input is scanned whole, byte by byte and at fuzzer-chosen cuts, with one parser reset between the runs: the
 * three answers must be equal. The buffer's limit is the scan limit, so a read past it throws. A complete head is
 * checked against its bytes by {@link HeadInvariants}.
 *
 * <p>Input layout (FuzzedDataProvider; seeds are the message followed by two zero bytes): the last byte holds the
 * flags (direct buffer, byte order, limits), the one before it the number of cuts, then four bytes per cut, then
 * the message.
 */
class HttpHeadFuzzTest
{
    /** max-request-line / max-header-size pairs: Vigil's defaults, and small ones that the fuzzer can reach. */
    private static final int[][] LIMITS = {{8192, 32768}, {64, 256}, {256, 256}, {1024, 4096}};
    private static final Set<HttpStatus> REQUEST_ERRORS = Set.of(HttpStatus.BAD_REQUEST, HttpStatus.URI_TOO_LONG,
        HttpStatus.HEADERS_TOO_LARGE, HttpStatus.VERSION_NOT_SUPPORTED);
    private static ByteBuffer direct = ByteBuffer.allocateDirect(64 * 1024);

    @FuzzTest
    void shouldParseRequestHeads(final FuzzedDataProvider data)
    {
        FuzzWatchdog.run("HttpHead request", () -> check(data, true));
    }

    @FuzzTest
    void shouldParseResponseHeads(final FuzzedDataProvider data)
    {
        FuzzWatchdog.run("HttpHead response", () -> check(data, false));
    }

    /** A buffer holding the message from offset 0, heap or direct, in the byte order chosen. */
    static ByteBuffer bufferOf(final byte[] message, final int flags)
    {
        final ByteBuffer buffer;
        if ((flags & 1) != 0)
        {
            if (direct.capacity() < message.length)
            {
                direct = ByteBuffer.allocateDirect(message.length);
            }
            buffer = direct.clear();
        }
        else
        {
            buffer = ByteBuffer.allocate(message.length);
        }
        buffer.put(0, message);
        buffer.limit(message.length);
        return buffer.order((flags & 2) != 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    }

    private static void check(final FuzzedDataProvider data, final boolean request)
    {
        final int flags = data.consumeInt(0, 255);
        final int[] raw = FuzzSplits.choose(data);
        final byte[] message = data.consumeRemainingAsBytes();
        final int[] limits = LIMITS[(flags >> 2) & 3];
        final ByteBuffer buffer = bufferOf(message, flags);
        final int n = message.length;
        final int[] cuts = FuzzSplits.cuts(raw, n);
        if (request)
        {
            scans(buffer, message, cuts);
        }

        final HttpHead head = new HttpHead(request, limits[0], limits[1]);
        final int whole = scan(head, buffer, n);
        final String wholeOutcome = outcome(head, whole);
        if (whole == HttpHead.DONE)
        {
            HeadInvariants.assertWellFormed(message, head, request, limits[0], limits[1]);
        }
        else if (whole == HttpHead.ERROR)
        {
            expect(request ? REQUEST_ERRORS.contains(head.error()) : head.error() == HttpStatus.BAD_REQUEST,
                "a refusal names a status this side can send");
        }
        else
        {
            expect(n <= limits[1], "an incomplete head within max-header-size");
        }

        head.reset();
        int result = HttpHead.NEED_MORE;
        int limit = 0;
        while (result == HttpHead.NEED_MORE && limit <= n)
        {
            result = scan(head, buffer, limit);
            if (result == HttpHead.NEED_MORE)
            {
                expect(scan(head, buffer, limit) == HttpHead.NEED_MORE, "a scan without new bytes changes nothing");
            }
            else if (result == HttpHead.DONE)
            {
                expect(head.headEnd() == limit, "byte by byte, a head completes at the byte that ends it");
            }
            limit++;
        }
        HeadInvariants.expectSame(wholeOutcome, outcome(head, result), "byte by byte as whole");

        head.reset();
        result = HttpHead.NEED_MORE;
        for (int i = 0; i < cuts.length && result == HttpHead.NEED_MORE; i++)
        {
            result = scan(head, buffer, cuts[i]);
        }
        HeadInvariants.expectSame(wholeOutcome, outcome(head, result), "split as whole");
    }

    private static int scan(final HttpHead head, final ByteBuffer buffer, final int limit)
    {
        buffer.limit(limit); // a read past the scan limit throws
        final int result = head.scan(buffer, limit);
        expect(result == HttpHead.DONE ? head.error() == HttpStatus.OK : result != HttpHead.ERROR ||
            head.error() != HttpStatus.OK, "ERROR comes with a status, DONE without");
        return result;
    }

    private static String outcome(final HttpHead head, final int result)
    {
        return switch (result)
        {
            case HttpHead.DONE -> "DONE " + HeadInvariants.facts(head);
            case HttpHead.ERROR -> "ERROR " + head.error();
            default -> "NEED_MORE";
        };
    }

    /** HttpChars' word-at-a-time scans against one byte at a time, over each cut's range. */
    private static void scans(final ByteBuffer buffer, final byte[] message, final int[] cuts)
    {
        int from = 0;
        for (final int to : cuts)
        {
            int lf = from;
            while (lf < to && message[lf] != '\n')
            {
                lf++;
            }
            expect(HttpChars.indexOfLf(buffer, from, to) == lf, "indexOfLf finds the first LF");
            boolean values = true;
            for (int k = from; k < to; k++)
            {
                values &= HeadInvariants.isValueChar(message[k] & 0xff);
            }
            expect(HttpChars.allFieldValueChars(buffer, from, to) == values, "allFieldValueChars as byte by byte");
            from = to;
        }
    }
}
