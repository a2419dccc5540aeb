package io.vigil.loop;

import io.vigil.stats.GlobalCounters;
import io.vigil.stats.LoopCounters;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One selector loop: owns a {@link Selector}, a {@link DeadlineTimerWheel} and everything registered with them
 * for their whole life, so nothing it owns needs a lock. Other threads reach it only through
 * {@link #execute(Runnable)}, which wakes the selector only when the loop is blocked in it.
 *
 * <p>Each duty cycle drains commands, handles ready keys and expires timers; when there was nothing to do,
 * {@link SelectorIdleStrategy} blocks in {@code select} until the next timer tick.
 */
public final class EventLoop implements Agent
{
    /** Timer tick: 2^24 ns (~16.8 ms). Timeouts here are seconds long; coarse ticks mean few wakeups. */
    private static final long TICK_NS = 1L << 24;
    private static final int TICKS_PER_WHEEL = 1024;
    private static final int COMMAND_LIMIT = 256;
    private static final int TIMER_LIMIT = 1024;
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
    private final Selector selector;
    private final DeadlineTimerWheel timers;
    private final Long2ObjectHashMap<TimerTarget> timerTargets = new Long2ObjectHashMap<>();
    private final ManyToOneConcurrentArrayQueue<Runnable> commands;
    /** The control thread's commands (reload, stop): few, and never refused, so a change is never half-applied. */
    private final ConcurrentLinkedQueue<Runnable> controlCommands = new ConcurrentLinkedQueue<>();
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private final DeadlineTimerWheel.TimerHandler onTimerExpiry = this::onTimerExpiry;
    private final Consumer<Runnable> runCommand = Runnable::run;
    private final LoopCounters counters = new LoopCounters(INITIAL_COUNTER_SLOTS);
    private final LoopSessions sessions = new LoopSessions(this);
    private final LivenessChecks livenessChecks = new LivenessChecks(this, LIVENESS_CHECK_NS);

    private final DeadlineTimerWheel.TimerConsumer earliestFinder = this::noteDeadline;
    /** A lower bound of the earliest pending deadline: exact after a rescan, possibly early after a cancel. */
    private long nextDeadlineNs = Long.MAX_VALUE;
    private long scannedEarliestNs;
    private volatile boolean selecting;
    /** Set while blocked in select: the first key it dispatches must see the time after the wait, not before. */
    private boolean clockStale;
    /** The blocking select just ran (and dispatched what was ready): the next duty cycle needs no selectNow. */
    private boolean justSelected;
    /** Null unless -Dvigil.loop.histograms=true. */
    private final LoopHistograms histograms = LoopHistograms.ENABLED ? new LoopHistograms() : null;
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
        this("vigil-loop-" + index, index, commandCapacity);
    }

    /**
     * @param roleName        the thread's name (e.g. vigil-admin for the admin listener's own loop).
     * @param index           this loop's number.
     * @param commandCapacity how many cross-thread commands may wait.
     */
    public EventLoop(final String roleName, final int index, final int commandCapacity)
    {
        this.roleName = roleName;
        this.index = index;
        try
        {
            this.selector = Selector.open();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open selector for loop " + index, ex);
        }
        this.nowNs = System.nanoTime();
        this.timers = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, nowNs, TICK_NS, TICKS_PER_WHEEL);
        this.commands = new ManyToOneConcurrentArrayQueue<>(commandCapacity);
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
        return selector;
    }

    /**
     * @return the loop's clock, read once per duty cycle (System.nanoTime).
     */
    public long nowNs()
    {
        return nowNs;
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
        int work = commands.drain(runCommand, COMMAND_LIMIT);
        if (!controlCommands.isEmpty())
        {
            work += runControlCommands();
        }
        try
        {
            // after a blocking select a selectNow would find nothing but cost an epoll_wait per wake-up: when it
            // is skipped and nothing else is due, the idle strategy's select sees whatever became ready since
            if (justSelected)
            {
                justSelected = false;
            }
            else
            {
                work += selector.selectNow(onSelected);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("selectNow failed on " + roleName(), ex);
        }
        work += pollTimers();
        return work;
    }

    /**
     * Block in select until a key is ready, a command arrives or the next timer tick is due.
     */
    void blockInSelect()
    {
        final long timeoutMs;
        if (timers.timerCount() == 0)
        {
            timeoutMs = 0; // no timers: wait for I/O or a command
        }
        else
        {
            // sleep until the next deadline, not every wheel tick: an idle loop then wakes about once a second
            final long untilNs = nextDeadlineNs - System.nanoTime();
            if (untilNs <= 0)
            {
                return; // a timer is due: poll it on the next duty cycle
            }
            timeoutMs = Math.max(1, (untilNs + 999_999) / 1_000_000);
        }
        selecting = true;
        try
        {
            if (commands.isEmpty() && controlCommands.isEmpty())
            {
                clockStale = true;
                final long startNs = histograms == null ? 0 : System.nanoTime();
                final int keys = selector.select(onSelected, timeoutMs);
                if (histograms != null)
                {
                    // the first dispatched key set nowNs to the wake-up time (clockStale), before handling it
                    histograms.selected(startNs, keys > 0 ? nowNs : System.nanoTime(), keys);
                }
                clockStale = false;
                justSelected = true;
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("select failed on " + roleName(), ex);
        }
        finally
        {
            selecting = false;
        }
    }

    private int pollTimers()
    {
        if (timers.timerCount() == 0)
        {
            // nothing pending: jump the wheel to now so a new timer does not wait for it to catch up
            timers.currentTickTime(nowNs);
            nextDeadlineNs = Long.MAX_VALUE;
            return 0;
        }
        int expired = 0;
        int rounds = 0;
        do
        {
            expired += timers.poll(nowNs, onTimerExpiry, TIMER_LIMIT);
        }
        while (timers.currentTickTime() <= nowNs && ++rounds < TICKS_PER_WHEEL && expired < TIMER_LIMIT);
        if (timers.timerCount() == 0)
        {
            nextDeadlineNs = Long.MAX_VALUE;
        }
        else if (nextDeadlineNs <= nowNs)
        {
            // the bound was used up (expired or cancelled timers): find the real earliest deadline once
            scannedEarliestNs = Long.MAX_VALUE;
            timers.forEach(earliestFinder);
            nextDeadlineNs = scannedEarliestNs;
        }
        return expired;
    }

    private void noteDeadline(final long deadlineNs, final long timerId)
    {
        scannedEarliestNs = Math.min(scannedEarliestNs, deadlineNs);
    }

    private boolean onTimerExpiry(final TimeUnit unit, final long now, final long timerId)
    {
        final TimerTarget target = timerTargets.remove(timerId);
        if (target != null)
        {
            try
            {
                target.onTimer(timerId, nowNs);
            }
            catch (final RuntimeException ex)
            {
                countHandlerFailure();
                if (target instanceof SelectHandler)
                {
                    ((SelectHandler)target).onFailure(ex);
                }
            }
        }
        return true;
    }

    private void onSelected(final SelectionKey key)
    {
        if (clockStale)
        {
            // the wait may have lasted seconds: deadlines scheduled from here (connect-timeout, HTTP timeouts)
            // and durations measured from here would otherwise start in the past
            nowNs = System.nanoTime();
            clockStale = false;
            selecting = false; // handling keys now, not waiting: the watchdog must see a handler that never returns
        }
        final SelectHandler handler = (SelectHandler)key.attachment();
        try
        {
            if (key.isValid())
            {
                handler.onSelect(key);
            }
        }
        catch (final Exception ex)
        {
            // one failing session never stops the loop
            countHandlerFailure();
            handler.onFailure(ex);
        }
    }

    /**
     * @param deadlineNs when, on the {@link #nowNs()} clock.
     * @param target     who to call.
     * @return the timer id, for {@link #cancel(long)}.
     */
    public long schedule(final long deadlineNs, final TimerTarget target)
    {
        final long timerId = timers.scheduleTimer(deadlineNs);
        timerTargets.put(timerId, target);
        nextDeadlineNs = Math.min(nextDeadlineNs, deadlineNs);
        return timerId;
    }

    /**
     * @param timerId a scheduled timer, or {@link DeadlineTimerWheel#NULL_DEADLINE}.
     */
    public void cancel(final long timerId)
    {
        if (timerId != DeadlineTimerWheel.NULL_DEADLINE)
        {
            timers.cancelTimer(timerId);
            timerTargets.remove(timerId);
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
        if (selecting)
        {
            selector.wakeup();
        }
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
        controlCommands.add(command);
        if (selecting)
        {
            selector.wakeup();
        }
    }

    private int runControlCommands()
    {
        int ran = 0;
        Runnable command;
        while (ran < COMMAND_LIMIT && (command = controlCommands.poll()) != null)
        {
            ran++;
            command.run();
        }
        return ran;
    }

    /**
     * Ask the loop to stop after its current duty cycle, waking it if it is blocked. Safe from any thread.
     */
    public void terminate()
    {
        terminating = true;
        selector.wakeup();
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
        return selecting;
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

    void countHandlerFailure()
    {
        handlerFailures++;
        counters.increment(GlobalCounters.HANDLER_FAILURES);
    }

    @Override
    public void onClose()
    {
        if (histograms != null)
        {
            histograms.print(roleName, System.err);
        }
        shutdownSessions();
        try
        {
            selector.close();
        }
        catch (final IOException ex)
        {
            // closing anyway
        }
    }
}
