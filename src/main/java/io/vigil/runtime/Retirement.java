package io.vigil.runtime;

import io.vigil.config.ListenerConfig;
import io.vigil.log.Log;
import io.vigil.loop.EventLoop;
import io.vigil.session.CloseReason;
import io.vigil.session.Listener;
import io.vigil.session.Session;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Generations a reload replaced, until their last session ends: a listener's drain-timeout (if set) closes the
 * sessions still open after it (reason reload), and a generation with no session left is released (its groups'
 * per-loop state forgotten), so nothing accumulates over many reloads. Runs on its own daemon thread.
 */
final class Retirement implements AutoCloseable
{
    private static final long CHECK_MS = 500;

    private final LoopContext[] loops;
    private final Runnable afterRelease;
    private final List<Generation> retired = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable ->
    {
        final Thread thread = new Thread(runnable, "vigil-retirement");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param loops        every loop's context.
     * @param afterRelease run (on the retirement thread) after generations were released.
     */
    Retirement(final LoopContext[] loops, final Runnable afterRelease)
    {
        this.loops = loops;
        this.afterRelease = afterRelease;
        timer.scheduleWithFixedDelay(this::releaseEmpty, CHECK_MS, CHECK_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * @param old the generation a reload just replaced.
     */
    void add(final Generation old)
    {
        retired.add(old);
        for (final Listener listener : old.listeners().values())
        {
            final ListenerConfig config = listener.config();
            if (config.drainTimeoutNs() > 0)
            {
                timer.schedule(() -> cut(listener), config.drainTimeoutNs(), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** drain-timeout passed: the old listener's sessions still open are closed. */
    private void cut(final Listener listener)
    {
        for (final LoopContext context : loops)
        {
            final EventLoop loop = context.loop();
            loop.executeControl(() -> loop.forEachSession(session ->
            {
                if (session instanceof Session && ((Session)session).listener() == listener)
                {
                    ((Session)session).end(CloseReason.RELOAD);
                }
            }));
        }
    }

    private void releaseEmpty()
    {
        boolean released = false;
        for (final Generation generation : retired)
        {
            if (generation.sessions() == 0)
            {
                retired.remove(generation);
                generation.release(loops);
                released = true;
                Log.info("generation " + generation.id() + " released: its last session ended");
            }
        }
        if (released)
        {
            afterRelease.run();
        }
    }

    /**
     * @return generations replaced but still serving sessions.
     */
    List<Generation> live()
    {
        return List.copyOf(retired);
    }

    /**
     * @return generations replaced but still serving sessions.
     */
    int size()
    {
        return retired.size();
    }

    @Override
    public void close()
    {
        timer.shutdownNow();
    }
}
