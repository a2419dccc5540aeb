package io.vigil.cli;

import io.vigil.session.SessionObserver;

import java.nio.channels.SocketChannel;

/**
 * {@code vigil run} with a bug planted: the first established session makes its loop spin forever, as the
 * chunk-size overflow of issue 9 did. For process tests of the watchdog and of a bounded stop.
 */
public final class StuckLoopMain
{
    /** Set to let a spinning loop go (in-process tests clean up with it). */
    static volatile boolean released;

    /** Spins on the loop that establishes a session, until {@link #released}. */
    static final SessionObserver SPIN_ON_ESTABLISHED = new SessionObserver()
    {
        @Override
        public void onEstablished(final String listener, final SocketChannel downstream, final SocketChannel up)
        {
            System.out.println("spinning on " + Thread.currentThread().getName());
            System.out.flush();
            while (!released)
            {
                Thread.onSpinWait();
            }
        }
    };

    private StuckLoopMain()
    {
    }

    /**
     * @param args as for {@link Vigil}.
     */
    public static void main(final String[] args)
    {
        System.exit(Vigil.execute(args, System.out, System.err, SPIN_ON_ESTABLISHED));
    }
}
