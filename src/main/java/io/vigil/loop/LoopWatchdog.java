package io.vigil.loop;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Notices an event loop that is stuck: not waiting in select, yet completing no duty cycle for the stall
 * timeout (a handler that never returns, a parser that stops consuming). Such a loop cannot be stopped or
 * drained, and every session and hand-off on it hangs; the watchdog reports it once, with the loop thread's
 * stack, so the server can treat it like a dead loop and exit for a supervisor to restart. Runs on its own
 * daemon thread and only reads what loops publish ({@link EventLoop#dutyCycles()}, {@link EventLoop#waiting()}).
 */
public final class LoopWatchdog implements AutoCloseable
{
    private final EventLoop[] loops;
    private final IntFunction<Thread> threadOf;
    private final long stallNs;
    private final Consumer<Throwable> onStall;
    private final long[] lastCycles;
    private final long[] lastProgressNs;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param loops    the loops to watch.
     * @param threadOf each loop's thread by index (for the stack in the report), or null when not started.
     * @param stallNs  how long a loop may make no progress while not waiting.
     * @param onStall  told once, on the watchdog thread, with a {@link LoopStalledException}.
     */
    public LoopWatchdog(
        final EventLoop[] loops, final IntFunction<Thread> threadOf, final long stallNs,
        final Consumer<Throwable> onStall)
    {
        this.loops = loops;
        this.threadOf = threadOf;
        this.stallNs = stallNs;
        this.onStall = onStall;
        this.lastCycles = new long[loops.length];
        this.lastProgressNs = new long[loops.length];
        this.thread = new Thread(this::run, "vigil-watchdog");
        thread.setDaemon(true);
    }

    /**
     * Start watching.
     */
    public void start()
    {
        final long now = System.nanoTime();
        for (int i = 0; i < loops.length; i++)
        {
            lastCycles[i] = loops[i].dutyCycles();
            lastProgressNs[i] = now;
        }
        thread.start();
    }

    private void run()
    {
        final long checkMs = Math.max(10, TimeUnit.NANOSECONDS.toMillis(stallNs) / 4);
        while (running)
        {
            try
            {
                Thread.sleep(checkMs);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            final EventLoop stuck = check(System.nanoTime());
            if (stuck != null)
            {
                running = false;
                onStall.accept(new LoopStalledException(stuck.roleName(), stallNs, threadOf.apply(stuck.index())));
            }
        }
    }

    /**
     * One look at every loop.
     *
     * @param nowNs the clock.
     * @return the first loop found stuck, or null.
     */
    EventLoop check(final long nowNs)
    {
        for (int i = 0; i < loops.length; i++)
        {
            final long cycles = loops[i].dutyCycles();
            if (cycles != lastCycles[i] || loops[i].waiting())
            {
                lastCycles[i] = cycles;
                lastProgressNs[i] = nowNs;
            }
            else if (nowNs - lastProgressNs[i] >= stallNs)
            {
                return loops[i];
            }
        }
        return null;
    }

    @Override
    public void close()
    {
        running = false;
        thread.interrupt();
    }
}
