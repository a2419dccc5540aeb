package io.vigil.http.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

// a decoder that stops consuming spins: a separate thread lets the timeout end the test
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChunkedDecoderTest
{
    private static ByteBuffer bytes(final String text)
    {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void shouldFindTheEndOfTheBodyWhereverTheBytesAreSplit()
    {
        final String body = "5\r\nhello\r\n6;name=value\r\n world\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n";
        final String text = body + "GET /next HTTP/1.1\r\n";
        final ByteBuffer buffer = bytes(text);
        for (int split = 0; split <= body.length(); split++)
        {
            final ChunkedDecoder decoder = new ChunkedDecoder(1024);
            final int first = decoder.consume(buffer, 0, split);
            if (decoder.done())
            {
                assertEquals(body.length(), first, "ended at the body's end, split " + split);
                continue;
            }
            assertEquals(split, first, "everything before the split was body");
            assertFalse(decoder.done());
            assertEquals(body.length(), decoder.consume(buffer, split, text.length()), "split at " + split);
            assertTrue(decoder.done());
        }
    }

    @Test
    void shouldStayRefusedOnceRefused()
    {
        // found by fuzzing: the refusing byte had already moved the state on, so the next bytes parsed as a body
        final ChunkedDecoder decoder = new ChunkedDecoder(1024);
        final ByteBuffer bad = bytes("5\r\nhelloX");
        assertEquals(ChunkedDecoder.INVALID, decoder.consume(bad, 0, bad.limit()), "no CR after the chunk data");
        final ByteBuffer more = bytes("\n0\r\n\r\n");
        assertEquals(ChunkedDecoder.INVALID, decoder.consume(more, 0, more.limit()));
        assertFalse(decoder.done());
        decoder.reset();
        assertEquals(more.limit(), decoder.consume(more, 1, more.limit()), "reset starts a new body");
    }

    @Test
    void shouldFollowLargeChunksWithoutLookingAtTheData()
    {
        final ChunkedDecoder decoder = new ChunkedDecoder(1024);
        final ByteBuffer head = bytes("100000\r\n");
        assertEquals(head.limit(), decoder.consume(head, 0, head.limit()));
        final ByteBuffer data = ByteBuffer.allocate(0x100000); // zeros, including \r-free NULs: not inspected
        assertEquals(data.limit(), decoder.consume(data, 0, data.limit()));
        final ByteBuffer tail = bytes("\r\n0\r\n\r\n");
        assertEquals(tail.limit(), decoder.consume(tail, 0, tail.limit()));
        assertTrue(decoder.done());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "\r\n",                        // no size
        "g\r\n",                       // not hex
        "-5\r\nhello\r\n0\r\n\r\n",    // signed
        "0x5\r\nhello\r\n0\r\n\r\n",   // prefixed
        "5\nhello\r\n0\r\n\r\n",       // bare LF after the size
        "5\r\nhelloX\r\n0\r\n\r\n",    // data longer than its size
        "5\r\nhello\n0\r\n\r\n",       // bare LF after the data
        "1000000000000000\r\n",        // 2^60 and more
        "8000000000000000\r\nx",       // 2^63: wraps a long negative if multiplied before the check
        "fffffffffffffffe\r\nx",       // wraps to -2: would move the read position backwards
        "10000000000000000\r\n",       // 17 digits
        "00000000000000000000000000001000000000000000\r\n", // leading zeros do not hide 2^60
        "5;ext\u0001\r\nhello\r\n",    // control in an extension
        "5 junk\r\nhello\r\n",        // chunk-ext outside RFC 9112 §7.1.1: no ';'
        "5;a b c\r\nhello\r\n",       // whitespace inside an extension
        "5;\"q\"\r\nhello\r\n",        // a quoted name
        "5;a=\"x\"y\r\nhello\r\n",     // text after a quoted value
        "5;=v\r\nhello\r\n",          // no name
        "5;a=\r\nhello\r\n",          // no value after '='
        "5;a=b c\r\nhello\r\n",       // whitespace inside a value
        "5 \r\nhello\r\n",            // whitespace before the CRLF (BWS only before ';' or '=')
        "5;a \r\nhello\r\n",
        "5;a=b\t\r\nhello\r\n",
        "5;\r\nhello\r\n",            // ';' without a name
        "5;a=\"x\r\nhello\r\n",       // unterminated quoted value
        "5;a=\"\\\u0001\"\r\nhello\r\n", // control in a quoted-pair
        "5;a=(b)\r\nhello\r\n",       // delimiters are not token characters
        "0\r\nBad Trailer: x\r\n\r\n", // whitespace in a trailer name
        "0\r\n folded\r\n\r\n",        // obs-fold in trailers
        "0\r\nno colon\r\n\r\n",       // trailer line without colon
        "0\r\n: novalue\r\n\r\n",      // trailer without a name
        "0\r\nX: a\u0000b\r\n\r\n",    // NUL in a trailer value
        "0\r\n\rX"                     // CR not followed by LF at the end
    })
    void shouldRefuseChunkedFramingAnotherParserCouldReadDifferently(final String text)
    {
        final ChunkedDecoder decoder = new ChunkedDecoder(1024);
        final ByteBuffer buffer = bytes(text);
        assertEquals(ChunkedDecoder.INVALID, decoder.consume(buffer, 0, buffer.limit()), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "5;ext", "5;a=b;c=\"quoted value\"", "5 ; name = value", "5;q=\"a\\\"b\"", "5\t;\ta\t=\t\"\"",
        "5;a;b;c", "5;a=\"x\" ;b", "5;a=\"\u00e9\\\u00e9 \\\t\"", "5;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~"
    })
    void shouldAcceptChunkExtensionsOfTheGrammar(final String chunkLine)
    {
        final ChunkedDecoder decoder = new ChunkedDecoder(1024);
        final ByteBuffer buffer = bytes(chunkLine + "\r\nhello\r\n0;last=1\r\n\r\n");
        assertEquals(buffer.limit(), decoder.consume(buffer, 0, buffer.limit()), chunkLine);
        assertTrue(decoder.done());
        assertEquals(5, decoder.dataBytes());
    }

    @Test
    void shouldBoundTheChunkSizeLine()
    {
        final String longest = "5;a=" + "x".repeat(ChunkedDecoder.MAX_CHUNK_LINE - 4);
        final ChunkedDecoder decoder = new ChunkedDecoder(1024);
        final ByteBuffer fits = bytes(longest + "\r\nhello\r\n0\r\n\r\n");
        assertEquals(fits.limit(), decoder.consume(fits, 0, fits.limit()), "a line of exactly the bound");
        decoder.reset();
        final ByteBuffer over = bytes(longest + "x");
        assertEquals(ChunkedDecoder.INVALID, decoder.consume(over, 0, over.limit()), "refused at the first byte over");
        decoder.reset();
        final ByteBuffer zeros = bytes("0".repeat(ChunkedDecoder.MAX_CHUNK_LINE) + "5");
        assertEquals(ChunkedDecoder.INVALID, decoder.consume(zeros, 0, zeros.limit()), "leading zeros count too");
    }

    @Test
    void shouldAcceptTheLargestSizeAndLeadingZeros()
    {
        final ChunkedDecoder decoder = new ChunkedDecoder(1024);
        final ByteBuffer buffer = bytes("0000fffffffffffffff\r\nabc");
        assertEquals(buffer.limit(), decoder.consume(buffer, 0, buffer.limit()), "2^60 - 1 is a size");
        assertEquals(3, decoder.dataBytes());
    }

    @Test
    void shouldRefuseOversizedTrailers()
    {
        final ChunkedDecoder decoder = new ChunkedDecoder(16);
        final ByteBuffer buffer = bytes("0\r\nX-Long-Trailer: 0123456789\r\n\r\n");
        assertEquals(ChunkedDecoder.INVALID, decoder.consume(buffer, 0, buffer.limit()));
    }

    @Test
    void shouldStartOverAfterReset()
    {
        final ChunkedDecoder decoder = new ChunkedDecoder(1024);
        final ByteBuffer first = bytes("3\r\nabc\r\n0\r\n\r\n");
        assertEquals(first.limit(), decoder.consume(first, 0, first.limit()));
        decoder.reset();
        assertFalse(decoder.done());
        final ByteBuffer second = bytes("0\r\n\r\n");
        assertEquals(second.limit(), decoder.consume(second, 0, second.limit()));
        assertTrue(decoder.done());
    }
}
