package io.vigil.test;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition against a deadline: the replacement for sleep-and-hope.
 */
public final class Await
{
    private Await()
    {
    }

    /**
     * @param condition what must become true.
     * @param timeout   how long to wait at most.
     * @param what      described in the failure.
     */
    public static void until(final BooleanSupplier condition, final Duration timeout, final String what)
    {
        until(condition, timeout, () -> what);
    }

    /**
     * @param condition what must become true.
     * @param timeout   how long to wait at most.
     * @param what      described in the failure, built only then (e.g. with a process's output so far).
     */
    public static void until(final BooleanSupplier condition, final Duration timeout, final Supplier<String> what)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out after " + timeout.toMillis() + "ms waiting for: " + what.get());
            }
            try
            {
                Thread.sleep(5);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what.get(), ex);
            }
        }
    }
}
