package io.vigil.http.codec;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The word-at-a-time scans agree with the obvious byte loops on random input, at every alignment, in both byte
 * orders, for heap and direct buffers.
 */
class HttpCharsTest
{
    private static int naiveIndexOfLf(final ByteBuffer b, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            if (b.get(i) == '\n')
            {
                return i;
            }
        }
        return to;
    }

    private static boolean naiveValueChars(final ByteBuffer b, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            if (!HttpChars.isFieldValueChar(b.get(i)))
            {
                return false;
            }
        }
        return true;
    }

    @Test
    void wordScansMatchByteScans()
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 20_000; round++)
        {
            final int length = random.nextInt(1, 80);
            final ByteBuffer b = round % 2 == 0 ? ByteBuffer.allocate(length) : ByteBuffer.allocateDirect(length);
            if (round % 4 >= 2)
            {
                b.order(ByteOrder.LITTLE_ENDIAN);
            }
            for (int i = 0; i < length; i++)
            {
                // mostly printable text, sometimes LF, CR, TAB, NUL, DEL, other controls or obs-text
                final int pick = random.nextInt(40);
                final int c = pick == 0 ? '\n' : pick == 1 ? '\r' : pick == 2 ? '\t' : pick == 3 ? 0 :
                    pick == 4 ? 0x7f :
                    pick == 5 ? random.nextInt(1, 0x20) : pick == 6 ? random.nextInt(0x80, 0x100) :
                    random.nextInt(0x20, 0x7f);
                b.put(i, (byte)c);
            }
            final int from = random.nextInt(length);
            final int to = random.nextInt(from, length + 1);
            assertEquals(naiveIndexOfLf(b, from, to), HttpChars.indexOfLf(b, from, to), "round " + round);
            assertEquals(naiveValueChars(b, from, to), HttpChars.allFieldValueChars(b, from, to), "round " + round);
        }
    }
}
