package io.vigil.loop;

import io.vigil.net.NativeSocket;
import io.vigil.net.SocketLayer;
import io.vigil.stats.GlobalCounters;
import io.vigil.stats.LoopCounters;
import org.agrona.CloseHelper;
import org.agrona.DeadlineTimerWheel;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One selector loop: owns a {@link Selector}, a {@link DeadlineTimerWheel} and everything registered with them
 * for their whole life, so nothing it owns needs a lock. Other threads reach it only through
 * {@link #execute(Runnable)} and {@link #executeControl(Runnable)}, which wake the selector only when the loop is
 * blocked in it.
 *
 * <p>Each duty cycle drains commands ({@link LoopCommands}), handles ready keys ({@link LoopSelector}) and expires
 * timers ({@link LoopTimers}); when there was nothing to do, {@link SelectorIdleStrategy} blocks in {@code select}
 * until the next deadline. This class joins those parts and keeps the loop's clock, counters and sessions.
 */
public final class EventLoop implements Agent
{
    private static final VarHandle DUTY_CYCLES;
    private static final int INITIAL_COUNTER_SLOTS = 1024;
    /** How often a {@link LivenessCheck} is asked (see {@link #watchLiveness(LivenessCheck)}). */
    public static final long LIVENESS_CHECK_NS = TimeUnit.MILLISECONDS.toNanos(250);

    static
    {
        try
        {
            DUTY_CYCLES = MethodHandles.lookup().findVarHandle(EventLoop.class, "dutyCycles", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final String roleName;
    private final int index;
    private final LoopSelector selector;
    private final LoopTimers timers;
    private final DeferredCloses deferredCloses = new DeferredCloses();
    private final LoopCommands commands;
    private final LoopCounters counters = new LoopCounters(INITIAL_COUNTER_SLOTS);
    private final LoopSessions sessions = new LoopSessions(this);
    private final LivenessChecks livenessChecks = new LivenessChecks(this, LIVENESS_CHECK_NS);
    private volatile boolean terminating;
    private long nowNs;
    /** Written only by the loop (release), read by the watchdog (acquire): a plain store on x86. */
    private long dutyCycles;
    private long handlerFailures;

    /**
     * @param index           this loop's number, for its thread name.
     * @param commandCapacity how many cross-thread commands may wait.
     */
    public EventLoop(final int index, final int commandCapacity)
    {
        this("vigil-loop-" + index, index, commandCapacity, SocketLayer.provider());
    }

    /**
     * @param roleName        the thread's name (e.g. vigil-admin for the admin listener's own loop).
     * @param index           this loop's number.
     * @param commandCapacity how many cross-thread commands may wait.
     */
    public EventLoop(final String roleName, final int index, final int commandCapacity)
    {
        this(roleName, index, commandCapacity, SelectorProvider.provider());
    }

    /**
     * @param roleName        the thread's name.
     * @param index           this loop's number.
     * @param commandCapacity how many cross-thread commands may wait.
     * @param sockets         whose selector: only that provider's channels can register with this loop.
     */
    public EventLoop(final String roleName, final int index, final int commandCapacity,
        final SelectorProvider sockets)
    {
        this.roleName = roleName;
        this.index = index;
        try
        {
            this.selector = new LoopSelector(this, sockets.openSelector());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open selector for loop " + index, ex);
        }
        this.nowNs = System.nanoTime();
        this.timers = new LoopTimers(this, nowNs);
        this.commands = new LoopCommands(commandCapacity);
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    /**
     * @return this loop's number.
     */
    public int index()
    {
        return index;
    }

    /**
     * @return this loop's counters: written only on this loop's thread, readable from any.
     */
    public LoopCounters counters()
    {
        return counters;
    }

    /**
     * @return the selector; register channels with it only from this loop's thread (or before it starts).
     */
    public Selector selector()
    {
        return selector.selector();
    }

    /**
     * @return the loop's clock, read once per duty cycle (System.nanoTime).
     */
    public long nowNs()
    {
        return nowNs;
    }

    /**
     * The current select pass: a key dispatched while this is still the value something was done at became ready
     * before it was done (the pass's ready set is collected when the pass starts). Loop thread only.
     *
     * @return select calls so far.
     */
    public long selectPass()
    {
        return selector.passes();
    }

    /** Read the clock again: a blocking select's first key comes after a wait that may have lasted seconds. */
    void refreshClock()
    {
        nowNs = System.nanoTime();
    }

    @Override
    public int doWork()
    {
        if (terminating)
        {
            throw new AgentTerminationException(roleName() + " closing", true);
        }
        nowNs = System.nanoTime();
        DUTY_CYCLES.setRelease(this, dutyCycles + 1);
        int work = commands.run();
        try
        {
            deferredCloses.beforeSelect();
            work += selector.selectNow(deferredCloses.pending());
            if (deferredCloses.afterSelect() > 0)
            {
                FreedDescriptors.descriptorsFreed();
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("selectNow failed on " + roleName(), ex);
        }
        work += timers.poll(nowNs);
        // sockets wait for the next select to deregister them: do not block in select before they are closed
        return deferredCloses.pending() ? work + 1 : work;
    }

    /**
     * Block in select until a key is ready, a command arrives or the next timer tick is due.
     */
    void blockInSelect()
    {
        final long timeoutMs;
        if (timers.count() == 0)
        {
            timeoutMs = 0; // no timers: wait for I/O or a command
        }
        else
        {
            // sleep until the next deadline, not every wheel tick: an idle loop then wakes about once a second
            final long untilNs = timers.nextDeadlineNs() - System.nanoTime();
            if (untilNs <= 0)
            {
                return; // a timer is due: poll it on the next duty cycle
            }
            timeoutMs = Math.max(1, (untilNs + 999_999) / 1_000_000);
        }
        try
        {
            selector.select(timeoutMs, commands);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("select failed on " + roleName(), ex);
        }
    }

    /**
     * @param deadlineNs when, on the {@link #nowNs()} clock.
     * @param target     who to call.
     * @return the timer id, for {@link #cancel(long)}.
     */
    public long schedule(final long deadlineNs, final TimerTarget target)
    {
        return timers.schedule(deadlineNs, target);
    }

    /**
     * @param timerId a scheduled timer, or {@link DeadlineTimerWheel#NULL_DEADLINE}.
     */
    public void cancel(final long timerId)
    {
        timers.cancel(timerId);
    }

    /**
     * Close a socket once this loop's next select has deregistered its key: cheaper than closing it while registered
     * (see {@link DeferredCloses}). The peer sees the FIN one duty cycle later. Loop thread only.
     *
     * Acceptors paused for want of a descriptor hear of it once the socket is really closed: a socket closed while
     * still registered keeps its descriptor until the next select deregisters it, so telling them at the close
     * itself would let them retry (and fail, and wait again) before the descriptor is free.
     *
     * @param channel a socket registered with this loop (else it is closed at once), or null.
     */
    public void closeSoon(final SocketChannel channel)
    {
        if (channel instanceof NativeSocket)
        {
            // Vigil's own sockets close at once, registered or not: close() alone, and epoll forgets the descriptor
            CloseHelper.quietClose(channel);
            FreedDescriptors.descriptorsFreed();
            return;
        }
        if (channel != null && !deferredCloses.add(selector.selector(), channel))
        {
            FreedDescriptors.descriptorsFreed();
        }
    }

    /**
     * Ask this check every {@link #LIVENESS_CHECK_NS} (the first time within that long) until it answers false. All
     * checks share one timer, so a burst of them costs no timer-wheel slots. Call on this loop's thread; watch a
     * check only while it is not watched already.
     *
     * @param check what to ask.
     */
    public void watchLiveness(final LivenessCheck check)
    {
        livenessChecks.watch(check);
    }

    /**
     * Run a command on this loop's thread. Safe from any thread.
     *
     * @param command what to run.
     * @return false when the queue is full and the command was not taken.
     */
    public boolean execute(final Runnable command)
    {
        if (!commands.offer(command))
        {
            return false;
        }
        selector.wakeIfBlocked();
        return true;
    }

    /**
     * Run a command of the control thread (reload, drain, stop) on this loop's thread. Unlike {@link #execute} it
     * is never refused: such commands are few, and dropping one would leave a configuration change half-applied.
     * Commands run in the order given; before the loop starts they wait for it. Safe from any thread.
     *
     * @param command what to run.
     */
    public void executeControl(final Runnable command)
    {
        commands.offerControl(command);
        selector.wakeIfBlocked();
    }

    /**
     * Ask the loop to stop after its current duty cycle, waking it if it is blocked. Safe from any thread.
     */
    public void terminate()
    {
        terminating = true;
        selector.wakeUp();
    }

    /**
     * Ask for {@link LoopSession#onSweep(long)} on every session at least this often (one timer per loop walks
     * all sessions). A shorter interval than before applies at once. Call on this loop's thread, or before it
     * starts.
     *
     * @param intervalNs the longest gap between sweeps.
     */
    public void sweepEvery(final long intervalNs)
    {
        sessions.sweepEvery(intervalNs);
    }

    /**
     * @param session a session this loop now owns.
     */
    public void add(final LoopSession session)
    {
        sessions.add(session);
    }

    /**
     * @param session a session that ended; unlinking twice is harmless.
     */
    public void remove(final LoopSession session)
    {
        sessions.remove(session);
    }

    /**
     * Visit every open session; the visitor may close (unlink) the one it is given. Call on this loop's thread.
     *
     * @param visitor what to do with each.
     */
    public void forEachSession(final Consumer<LoopSession> visitor)
    {
        sessions.forEach(visitor);
    }

    /**
     * @return sessions open on this loop.
     */
    public int sessionCount()
    {
        return sessions.count();
    }

    /**
     * @return duty cycles started so far; safe from any thread (the watchdog's progress signal).
     */
    public long dutyCycles()
    {
        return (long)DUTY_CYCLES.getAcquire(this);
    }

    /**
     * @return true while the loop waits in select for I/O, a command or a timer; safe from any thread.
     */
    public boolean waiting()
    {
        return selector.waiting();
    }

    /**
     * @return handler exceptions caught by this loop.
     */
    public long handlerFailures()
    {
        return handlerFailures;
    }

    /**
     * Shut down every open session. Called on this loop's thread.
     */
    public void shutdownSessions()
    {
        sessions.shutdownAll();
    }

    void countHandlerFailure(final Exception failure)
    {
        if (failure == BufferUnavailable.INSTANCE)
        {
            return; // no bug: the buffer-memory cap, counted by the budget, and the session is closed for it
        }
        handlerFailures++;
        counters.increment(GlobalCounters.HANDLER_FAILURES);
    }

    @Override
    public void onClose()
    {
        try
        {
            shutdownSessions();
        }
        finally
        {
            selector.close();
            deferredCloses.closeAll(); // even when a session's shutdown threw: no socket left open
        }
    }
}
