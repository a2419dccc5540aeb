package io.vigil.rig;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One soak session's state: a connection through the proxy to an echo upstream, the bytes it has sent and the
 * bytes that came back and matched. The stream a session sends is a pure function of its seed and the offset
 * ({@link #patternByte}), so checking the echo byte-exact needs no copy of what was sent.
 */
final class SoakSession
{
    /** Connect under way. */
    static final int CONNECTING = 0;
    /** Between messages: everything sent came back. */
    static final int IDLE = 1;
    /** Writing a message (its echo may already be arriving). */
    static final int SENDING = 2;
    /** The message is written; waiting for the rest of its echo. */
    static final int AWAITING = 3;
    /** Our FIN is sent; reading the rest of the echo until the proxy's FIN. */
    static final int CLOSING = 4;

    final SocketChannel channel;
    final long seed;
    SelectionKey key;
    int state = CONNECTING;
    int index;
    long sent;
    long verified;
    long messageEnd;
    long nextMessageNs;
    long closeAtNs;
    long progressNs;

    SoakSession(final SocketChannel channel, final long seed, final long nowNs)
    {
        this.channel = channel;
        this.seed = seed;
        this.progressNs = nowNs;
    }

    /**
     * @param seed   a session's seed.
     * @param offset a position in its stream.
     * @return the byte the session sends there.
     */
    static byte patternByte(final long seed, final long offset)
    {
        long z = seed + offset * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 29)) * 0xBF58476D1CE4E5B9L;
        return (byte)(z >>> 56);
    }

    /**
     * Put the next bytes of the current message into {@code out}.
     *
     * @param out the write buffer, cleared by the caller.
     */
    void fill(final ByteBuffer out)
    {
        final int n = (int)Math.min(out.remaining(), messageEnd - sent);
        for (int i = 0; i < n; i++)
        {
            out.put(patternByte(seed, sent + i));
        }
    }

    /**
     * Check echoed bytes against what was sent.
     *
     * @param in the bytes read, flipped.
     * @return true when every byte matches and none was echoed before it was sent.
     */
    boolean verify(final ByteBuffer in)
    {
        final int n = in.remaining();
        if (verified + n > sent)
        {
            return false;
        }
        for (int i = 0; i < n; i++)
        {
            if (in.get(in.position() + i) != patternByte(seed, verified + i))
            {
                return false;
            }
        }
        verified += n;
        return true;
    }

    /**
     * @return true when every byte sent has come back.
     */
    boolean caughtUp()
    {
        return verified == sent;
    }
}
