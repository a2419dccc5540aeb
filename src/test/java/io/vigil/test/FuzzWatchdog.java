package io.vigil.test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A per-input time bound for fuzz tests, in regression and fuzzing mode alike. A parser that stops consuming input
 * spins inside one call, where no assertion can see it; JUnit's {@code @Timeout} cannot help either, because in
 * fuzzing mode it bounds the whole fuzzing session rather than one input. So one daemon thread watches the input
 * being run: past {@link #BOUND_NS} it prints the stuck thread's stack and stops that thread, which throws out of
 * the spinning parser and becomes an ordinary finding (Jazzer saves the input; in regression mode the test fails).
 * Where {@code Thread.stop} is gone (JDK 20 and later) it halts the JVM instead, after printing the stack, so a hang
 * can never pass silently or hold the build forever.
 */
public final class FuzzWatchdog
{
    /** How long one input may run: generous, since one input normally takes microseconds. */
    public static final long BOUND_NS = TimeUnit.SECONDS.toNanos(5);
    /** Exit status when the stuck thread cannot be stopped. */
    public static final int HALT_STATUS = 71;

    private static final long POLL_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static volatile Thread armedThread;
    private static volatile long armedAtNs;
    private static volatile String armedWhat;
    private static volatile boolean stopping;
    private static volatile StackTraceElement[] stuckAt = new StackTraceElement[0];

    static
    {
        final Thread watcher = new Thread(FuzzWatchdog::watch, "fuzz-watchdog");
        watcher.setDaemon(true);
        watcher.start();
    }

    private FuzzWatchdog()
    {
    }

    /**
     * Run one fuzz input under the time bound.
     *
     * @param what  names the target in the failure message.
     * @param input the input's checks.
     */
    public static void run(final String what, final Runnable input)
    {
        call(what, () ->
        {
            input.run();
            return null;
        });
    }

    /**
     * Run one fuzz input under the time bound.
     *
     * @param what  names the target in the failure message.
     * @param input the input's checks.
     * @param <T>   what the input returns.
     * @return what the input returned.
     */
    public static <T> T call(final String what, final Supplier<T> input)
    {
        armedWhat = what;
        armedAtNs = System.nanoTime();
        armedThread = Thread.currentThread();
        try
        {
            return input.get();
        }
        catch (final ThreadDeath stopped)
        {
            if (!stopping)
            {
                throw stopped;
            }
            // ThreadDeath's own stack is the watchdog's; the cause shows where the input was stuck
            final Throwable where = new Throwable("stuck here, stopped by the fuzz watchdog");
            where.setStackTrace(stuckAt);
            final AssertionError hang = new AssertionError(what + ": one input ran for more than " +
                TimeUnit.NANOSECONDS.toSeconds(BOUND_NS) + " s: a parser makes no progress", where);
            throw hang;
        }
        finally
        {
            armedThread = null;
            stopping = false;
        }
    }

    private static void watch()
    {
        while (true)
        {
            LockSupport.parkNanos(POLL_NS);
            final Thread thread = armedThread;
            if (thread != null && !stopping && System.nanoTime() - armedAtNs > BOUND_NS)
            {
                stopStuck(thread);
            }
        }
    }

    private static void stopStuck(final Thread thread)
    {
        final StringBuilder stack = new StringBuilder("fuzz-watchdog: ").append(armedWhat)
            .append(": input running for more than ").append(TimeUnit.NANOSECONDS.toSeconds(BOUND_NS))
            .append(" s, stuck at:\n");
        final StackTraceElement[] frames = thread.getStackTrace();
        for (final StackTraceElement frame : frames)
        {
            stack.append("\tat ").append(frame).append('\n');
        }
        stuckAt = frames;
        System.err.print(stack);
        System.err.flush();
        stopping = true;
        try
        {
            // reflective: deprecated for removal, and gone (UnsupportedOperationException) from JDK 20
            Thread.class.getMethod("stop").invoke(thread);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            System.err.println("fuzz-watchdog: cannot stop the stuck thread on this JDK (" + ex + "); halting");
            System.err.flush();
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }
}
