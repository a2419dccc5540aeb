package io.vigil.tls;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.test.FuzzSplits;
import io.vigil.test.FuzzWatchdog;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Coverage-guided, differential fuzzing of {@link ClientHelloScanner} against {@link ClientHelloReference}: fed
 * whole, byte by byte and at fuzzer-chosen cuts, the scanner gives the reference's answer and name; it never looks
 * at more than its bound (the answer for the stream cut at the bound is the same, and it counts no more); a final
 * answer stays final; a name found is a lower-case DNS name.
 *
 * <p>Input layout (FuzzedDataProvider; seeds are the stream followed by two zero bytes): last byte the bound's
 * index, then the cuts, then the stream.
 */
class ClientHelloScannerFuzzTest
{
    private static final int[] BOUNDS = {ClientHelloScanner.DEFAULT_MAX_BYTES, 64, 5, 300};

    @FuzzTest
    void shouldScanClientHellos(final FuzzedDataProvider data)
    {
        FuzzWatchdog.run("ClientHelloScanner", () -> check(data));
    }

    private static void check(final FuzzedDataProvider data)
    {
        final int maxBytes = BOUNDS[data.consumeInt(0, BOUNDS.length - 1)];
        final int[] raw = FuzzSplits.choose(data);
        final byte[] stream = data.consumeRemainingAsBytes();
        final int n = stream.length;
        final ClientHelloReference.Answer want = ClientHelloReference.read(stream, maxBytes);

        same(want, feed(maxBytes, stream, new int[] {n}), "whole");
        final int[] each = new int[n];
        for (int k = 0; k < n; k++)
        {
            each[k] = k + 1;
        }
        same(want, feed(maxBytes, stream, each), "byte by byte");
        same(want, feed(maxBytes, stream, FuzzSplits.cuts(raw, n)), "split");
        if (n > maxBytes)
        {
            same(want, feed(maxBytes, Arrays.copyOf(stream, maxBytes), new int[] {maxBytes}), "cut at the bound");
        }
        if (want.serverName() != null)
        {
            expect(want.serverName().matches("[a-z0-9._-]{1,255}"), "a name is a lower-case DNS name");
        }
    }

    private static ClientHelloReference.Answer feed(final int maxBytes, final byte[] stream, final int[] cuts)
    {
        final ByteBuffer buffer = ByteBuffer.wrap(stream).asReadOnlyBuffer();
        final ClientHelloScanner scanner = new ClientHelloScanner(maxBytes);
        int from = 0;
        int result = ClientHelloScanner.NEED_MORE;
        for (final int to : cuts)
        {
            if (to == from)
            {
                continue;
            }
            final int before = result;
            result = scanner.scan(buffer, from, to);
            expect(before == ClientHelloScanner.NEED_MORE || result == before, "a final answer stays final");
            expect(scanner.bytesScanned() <= Math.min(maxBytes, to), "never past the bound or the data");
            from = to;
        }
        expect(result == scanner.result(), "result() is the last answer");
        expect((result == ClientHelloScanner.SERVER_NAME) == (scanner.serverName() != null), "a name iff found");
        return new ClientHelloReference.Answer(result, scanner.serverName());
    }

    private static void same(final ClientHelloReference.Answer want, final ClientHelloReference.Answer got,
        final String how)
    {
        if (want.result() != got.result() || !Objects.equals(want.serverName(), got.serverName()))
        {
            throw new IllegalStateException(how + ": scanner " + ClientHelloScanner.describe(got.result()) + " " +
                got.serverName() + ", reference " + ClientHelloScanner.describe(want.result()) + " " +
                want.serverName());
        }
    }

    private static void expect(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new IllegalStateException(what);
        }
    }
}
