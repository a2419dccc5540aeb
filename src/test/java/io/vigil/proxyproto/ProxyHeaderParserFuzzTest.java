package io.vigil.proxyproto;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.test.FuzzSplits;
import io.vigil.test.FuzzWatchdog;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of {@link ProxyHeaderParser} with invariants on every input: read whole, byte by byte
 * and at fuzzer-chosen cuts (each read capped by {@link ProxyHeaderParser#maxRead()}, as the loop reads) it gives
 * one answer; it never takes a byte past the header (every byte it allowed was a header byte, so the client's
 * stream stays unread); the length it took is the header's own (v1: through the first CRLF, at most 107; v2: 16
 * plus its length field); the header alone gives the same answer and one byte less needs more; a refusal is
 * final; a parsed address, written again, reads back the same.
 *
 * <p>Input layout (FuzzedDataProvider; seeds are the bytes followed by one zero byte): the cuts from the end, then
 * the bytes as a client would send them (header and whatever follows).
 */
class ProxyHeaderParserFuzzTest
{
    private static final ByteBuffer VALID = ByteBuffer.wrap(
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    @FuzzTest
    void shouldReadProxyHeaders(final FuzzedDataProvider data)
    {
        FuzzWatchdog.run("ProxyHeaderParser", () -> check(data));
    }

    private static void expect(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }

    private static void check(final FuzzedDataProvider data)
    {
        final int[] raw = FuzzSplits.choose(data);
        final byte[] input = data.consumeRemainingAsBytes();
        final int n = input.length;
        final int[] bytes = new int[n];
        for (int k = 0; k < n; k++)
        {
            bytes[k] = k + 1;
        }
        final ProxyHeaderParser whole = new ProxyHeaderParser();
        final String want = feed(whole, input, new int[] {n});
        expect(want.equals(feed(new ProxyHeaderParser(), input, bytes)), "byte by byte as whole: " + want);
        expect(want.equals(feed(new ProxyHeaderParser(), input, FuzzSplits.cuts(raw, n))), "split as whole: " + want);

        // a greedy caller that offers everything at once: consumption still stops at the header's end
        final ProxyHeaderParser greedy = new ProxyHeaderParser();
        final ByteBuffer all = ByteBuffer.wrap(input);
        greedy.feed(all);
        expect(greedy.status() == whole.status(), "greedy feed gives the same status");
        if (whole.status() == ProxyHeaderParser.DONE)
        {
            expect(all.position() == whole.consumed(), "greedy feed stops at the header's end");
            checkDone(whole, input);
        }
        if (whole.status() == ProxyHeaderParser.INVALID)
        {
            expect(whole.maxRead() == 0, "a refused header asks for nothing");
            expect(whole.feed(VALID.duplicate()) == ProxyHeaderParser.INVALID, "a refusal is final");
            expect(whole.maxRead() == 0 && whole.status() == ProxyHeaderParser.INVALID, "a refusal is final");
        }
    }

    /** Feed reads ending at {@code cuts}, each capped by maxRead as the loop caps its socket reads. */
    private static String feed(final ProxyHeaderParser parser, final byte[] input, final int[] cuts)
    {
        int offered = 0;
        for (final int to : cuts)
        {
            while (offered < to && parser.status() == ProxyHeaderParser.NEED_MORE)
            {
                final int allowed = parser.maxRead();
                expect(allowed >= 1, "maxRead is at least 1 while more is needed");
                final int length = Math.min(allowed, to - offered);
                final ByteBuffer read = ByteBuffer.wrap(input, offered, length);
                parser.feed(read);
                offered += length;
                if (parser.status() != ProxyHeaderParser.INVALID)
                {
                    expect(!read.hasRemaining(), "every byte maxRead allowed is a header byte");
                }
            }
        }
        expect(parser.status() == ProxyHeaderParser.NEED_MORE || parser.maxRead() == 0, "nothing more to read");
        if (parser.status() == ProxyHeaderParser.DONE)
        {
            expect(offered == parser.consumed(), "no byte past the header was read");
        }
        return parser.status() + " " + parser.consumed() + " " + parser.version() + " " + parser.family() + " " +
            parser.sourceAddress() + " " + parser.destinationAddress();
    }

    private static void checkDone(final ProxyHeaderParser parser, final byte[] input)
    {
        final int length = parser.consumed();
        if (parser.version() == 1)
        {
            expect(length <= ProxyHeaderParser.V1_MAX, "a v1 line is at most 107 bytes");
            expect(input[length - 1] == '\n' && input[length - 2] == '\r', "a v1 line ends in CRLF");
            for (int i = 0; i < length - 1; i++)
            {
                expect(input[i] != '\n', "a v1 line ends at its first LF");
            }
        }
        else
        {
            expect(length == 16 + ((input[14] & 0xff) << 8 | input[15] & 0xff), "v2 is 16 bytes plus its length");
        }
        final byte[] header = Arrays.copyOf(input, length);
        final ProxyHeaderParser alone = new ProxyHeaderParser();
        alone.feed(ByteBuffer.wrap(header));
        expect(alone.status() == ProxyHeaderParser.DONE && alone.consumed() == length, "the header alone is done");
        final ProxyHeaderParser short1 = new ProxyHeaderParser();
        short1.feed(ByteBuffer.wrap(header, 0, length - 1));
        expect(short1.status() == ProxyHeaderParser.NEED_MORE, "one byte less needs more");
        final InetSocketAddress source = parser.sourceAddress();
        if (source != null)
        {
            for (final int version : new int[] {1, 2})
            {
                final ByteBuffer written = ByteBuffer.allocate(ProxyHeaderWriter.MAX_LENGTH);
                ProxyHeaderWriter.write(version, source, parser.destinationAddress(), written);
                written.flip();
                final ProxyHeaderParser again = new ProxyHeaderParser();
                again.feed(written);
                expect(again.status() == ProxyHeaderParser.DONE && !written.hasRemaining(), "written header parses");
                expect(source.equals(again.sourceAddress()) &&
                    parser.destinationAddress().equals(again.destinationAddress()), "addresses survive a rewrite");
            }
        }
    }
}
