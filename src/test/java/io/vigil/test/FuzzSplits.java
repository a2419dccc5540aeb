package io.vigil.test;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

import java.util.Arrays;

/**
 * Where a fuzz test splits its input into reads: the fuzzer chooses the cut points, so a split that matters is
 * kept in the corpus like any other input. An incremental parser must give the same answer whole, byte by byte
 * and at these cuts.
 */
public final class FuzzSplits
{
    /** Most cut points one input chooses. */
    public static final int MAX_CUTS = 12;

    private FuzzSplits()
    {
    }

    /**
     * Take the raw cut choices from the end of the input (before the payload is taken from what remains).
     *
     * @param data the fuzzer's input.
     * @return raw choices, to be mapped onto a length by {@link #cuts}.
     */
    public static int[] choose(final FuzzedDataProvider data)
    {
        final int[] raw = new int[data.consumeInt(0, MAX_CUTS)];
        for (int i = 0; i < raw.length; i++)
        {
            raw[i] = data.consumeInt();
        }
        return raw;
    }

    /**
     * @param raw    the choices from {@link #choose}.
     * @param length the payload length.
     * @return distinct offsets in (0, length), ascending, then {@code length} itself as the last read's end.
     */
    public static int[] cuts(final int[] raw, final int length)
    {
        final int[] cuts = new int[raw.length + 1];
        int n = 0;
        for (final int choice : raw)
        {
            if (length > 1)
            {
                cuts[n++] = 1 + Math.floorMod(choice, length - 1);
            }
        }
        cuts[n++] = length;
        final int[] sorted = Arrays.copyOf(cuts, n);
        Arrays.sort(sorted);
        return Arrays.stream(sorted).distinct().toArray();
    }
}
