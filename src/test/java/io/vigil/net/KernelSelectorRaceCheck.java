package io.vigil.net;

import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Races on the kernel layer's selector from other threads, in a JVM of the newer JDK ({@link KernelSelectorRaceTest}
 * starts it): wakeups from another thread while the selector drains its eventfd must neither be lost nor leave the
 * selector returning at once forever (a loop spinning at 100% CPU). {@code main} prints "OK races" and exits 0.
 */
public final class KernelSelectorRaceCheck
{
    private static final long RACE_NS = TimeUnit.SECONDS.toNanos(3);
    private static final int MAX_PASSES = 2_000_000;
    private static final long QUIET_SELECT_MS = 300;

    private KernelSelectorRaceCheck()
    {
    }

    /**
     * @param args none.
     * @throws Exception when a check fails.
     */
    public static void main(final String[] args) throws Exception
    {
        expect("kernel".equals(SocketLayer.name()), "the kernel layer is active: " + SocketLayer.describe());
        checkWakeupsDoNotLeaveTheSelectorSpinning();
        System.out.println("OK races");
    }

    /**
     * One thread wakes the selector as fast as it can while this one selects; afterwards, with nobody waking it,
     * a select with a timeout must wait (at most the last wakeup may still end the first select at once).
     */
    private static void checkWakeupsDoNotLeaveTheSelectorSpinning() throws Exception
    {
        try (Selector selector = SocketLayer.provider().openSelector())
        {
            final AtomicBoolean racing = new AtomicBoolean(true);
            final Thread waker = new Thread(() ->
            {
                while (racing.get())
                {
                    selector.wakeup();
                }
            }, "waker");
            waker.start();
            final long end = System.nanoTime() + RACE_NS;
            int passes = 0;
            try
            {
                while (System.nanoTime() < end && passes < MAX_PASSES)
                {
                    selector.select(1000);
                    passes++;
                }
            }
            finally
            {
                racing.set(false);
                waker.join();
            }
            selector.select(QUIET_SELECT_MS); // the last wakeup may end this one at once
            final long startNs = System.nanoTime();
            selector.select(QUIET_SELECT_MS);
            final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            expect(waitedMs >= QUIET_SELECT_MS - 50,
                "with nobody waking it the selector waits its timeout, after " + passes +
                " raced passes: returned after " + waitedMs + " ms");
            final Thread late = new Thread(() ->
            {
                sleepQuietly(100);
                selector.wakeup();
            }, "late-waker");
            late.start();
            final long lateStartNs = System.nanoTime();
            selector.select(10_000);
            final long lateMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lateStartNs);
            late.join();
            expect(lateMs < 5_000, "a wakeup from another thread ends a blocked select: " + lateMs + " ms");
        }
    }

    private static void sleepQuietly(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void expect(final boolean holds, final String what)
    {
        if (!holds)
        {
            throw new AssertionError("failed: " + what);
        }
    }
}
