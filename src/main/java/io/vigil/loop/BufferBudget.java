package io.vigil.loop;

import io.vigil.log.Log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process's cap on direct memory held by the loops' buffer pools ({@code vigil.max-buffer-memory}): one atomic
 * count of bytes allocated, shared by every loop and taken in buffer-sized steps. A pool takes from it only when it
 * allocates a buffer and gives back only when it frees one; lending a pooled buffer again (the per-packet path)
 * touches nothing here. One shared budget rather than a fixed share per loop: connections do not spread evenly
 * over loops (SO_REUSEPORT hashing, one busy client), and a per-loop share would refuse on the busy loop while the
 * others' shares sat unused; the atomic is touched once per allocation, which pooling makes rare.
 */
public final class BufferBudget
{
    /** No cap (tests and tools that build pools alone). */
    public static final long UNLIMITED = Long.MAX_VALUE;

    /** The cap; lowered once for good if the JVM's direct memory runs out below it ({@link #clampToAllocated}). */
    private final AtomicLong maxBytes;
    private final AtomicLong allocatedBytes = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong rejectedConnections = new AtomicLong();
    /** When the last refusal was logged: at most one line per {@link #LOG_PERIOD_NS}, however many refusals. */
    private final AtomicLong lastWarnNs = new AtomicLong(System.nanoTime() - LOG_PERIOD_NS);
    private static final long LOG_PERIOD_NS = TimeUnit.SECONDS.toNanos(10);
    /** Direct memory left to others than the pools, at least. */
    private static final long OTHER_DIRECT_BYTES = 2L << 20;

    /** Each loop's way to free the buffers its pools hold idle; added as loops start. */
    private final List<IdleBuffers> idleBuffers = new CopyOnWriteArrayList<>();

    /**
     * @param maxBytes the most bytes the pools may hold at once, lent or waiting for reuse.
     */
    public BufferBudget(final long maxBytes)
    {
        this.maxBytes = new AtomicLong(maxBytes);
    }

    /**
     * @param configured {@code vigil.max-buffer-memory} in bytes, or 0 for auto.
     * @return the cap: as configured, or 7/8 of the JVM's direct memory limit (-XX:MaxDirectMemorySize, whose
     *         default is the max heap size), at least 2 MiB below it, for the other direct users (the access-log
     *         ring, 1 MiB, and the JDK's own).
     */
    public static long capFor(final long configured)
    {
        if (configured > 0)
        {
            return configured;
        }
        final long direct = maxDirectMemory();
        return Math.max(direct - Math.max(direct / 8, OTHER_DIRECT_BYTES), OTHER_DIRECT_BYTES);
    }

    /**
     * @return the JVM's direct memory limit: jdk.internal.misc.VM's (exported to Vigil by bin/vigil and the jar's
     *         manifest), else the max heap size, the JDK's default.
     */
    public static long maxDirectMemory()
    {
        try
        {
            return (Long)Class.forName("jdk.internal.misc.VM").getMethod("maxDirectMemory").invoke(null);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /**
     * @return an uncapped budget.
     */
    public static BufferBudget unlimited()
    {
        return new BufferBudget(UNLIMITED);
    }

    /**
     * @param loop    a loop whose pools are charged to this budget.
     * @param freeAll frees every buffer the loop's pools hold idle; run on that loop's thread only.
     */
    public void onShedIdle(final EventLoop loop, final Runnable freeAll)
    {
        idleBuffers.add(new IdleBuffers(loop, freeAll));
    }

    /**
     * The cap was reached: buffers pooled for reuse count against it, so room one pool holds idle (another buffer
     * size, another loop, its sessions ended) would refuse everyone else until a trim, which keeps some for good.
     * Frees the caller's loop's idle buffers now, and asks every other loop to free its own (one command per loop
     * at a time, however many refusals: no flood of its queue; a full queue is skipped, the next refusal asks again).
     *
     * @param caller the loop calling, on its thread, whose idle buffers are freed at once; null to ask every loop.
     */
    public void shedIdle(final EventLoop caller)
    {
        for (final IdleBuffers loopBuffers : idleBuffers)
        {
            if (loopBuffers.loop == caller)
            {
                loopBuffers.freeAll.run();
            }
            else if (loopBuffers.asked.compareAndSet(false, true) && !loopBuffers.loop.execute(loopBuffers.command))
            {
                loopBuffers.asked.set(false);
            }
        }
    }

    /**
     * @param bytes one buffer's size.
     * @return true when the bytes were taken; false at the cap (counted as a refusal).
     */
    boolean take(final int bytes)
    {
        while (true)
        {
            final long now = allocatedBytes.get();
            if (now + bytes > maxBytes.get())
            {
                refusals.incrementAndGet();
                return false;
            }
            if (allocatedBytes.compareAndSet(now, now + bytes))
            {
                return true;
            }
        }
    }

    /**
     * @param bytes one freed buffer's size (or one whose allocation failed after it was taken).
     */
    void giveBack(final int bytes)
    {
        allocatedBytes.addAndGet(-bytes);
    }

    /**
     * @param bytes one buffer's size.
     * @return true while a buffer of that size could still be allocated now (a hint: another loop may take it
     *         first).
     */
    public boolean hasRoomFor(final long bytes)
    {
        return allocatedBytes.get() + bytes <= maxBytes.get();
    }

    /**
     * @return bytes held by the pools now, lent or waiting for reuse; safe from any thread.
     */
    public long allocatedBytes()
    {
        return allocatedBytes.get();
    }

    /**
     * @return the cap in bytes.
     */
    public long maxBytes()
    {
        return maxBytes.get();
    }

    /**
     * allocateDirect failed below the cap: the JVM's direct memory (-XX:MaxDirectMemorySize, shared with the JDK
     * and the access log) is smaller than the cap. Lower the cap to what the pools hold now, for good: each failed
     * allocateDirect costs the loop a System.gc() and half a second of sleeps inside the JDK (Bits.reserveMemory),
     * and a loop paying that per session would stall until its watchdog ends the process.
     */
    void clampToAllocated()
    {
        maxBytes.accumulateAndGet(allocatedBytes.get(), Math::min);
    }

    /**
     * @return buffers refused because the cap was reached or the JVM had no direct memory left; safe from any thread.
     */
    public long refusals()
    {
        return refusals.get();
    }

    void countRefusal()
    {
        refusals.incrementAndGet();
    }

    /**
     * A new connection was closed at accept because no buffer could be lent to it: count it and say why (at most
     * one line every 10 s). Any thread.
     *
     * @param listener the listener's name.
     */
    public void rejectedConnection(final String listener)
    {
        rejectedConnections.incrementAndGet();
        warnRefused("new connection on listener " + listener + " closed at accept");
    }

    /**
     * @return connections closed at accept because the buffer memory was used up; safe from any thread.
     */
    public long rejectedConnections()
    {
        return rejectedConnections.get();
    }

    /**
     * Say that buffer memory ran out, at most once every 10 s (a burst of refusals must not flood the log).
     *
     * @param what what was refused, or why.
     */
    void warnRefused(final String what)
    {
        final long now = System.nanoTime();
        final long last = lastWarnNs.get();
        if (now - last >= LOG_PERIOD_NS && lastWarnNs.compareAndSet(last, now))
        {
            Log.warn("buffer memory exhausted (" + what + "): " + allocatedBytes.get() + " of " + maxBytes.get() +
                " bytes (max-buffer-memory) held by the loops' buffers, " + refusals.get() + " buffers refused and " +
                rejectedConnections.get() + " new connections closed so far; sessions that cannot get a buffer are" +
                " closed (reason=buffer_memory), new connections are closed at accept until buffers free");
        }
    }

    /** One loop's idle buffers: how to free them on its thread, and whether a command to do so is queued. */
    private static final class IdleBuffers
    {
        final EventLoop loop;
        final Runnable freeAll;
        final AtomicBoolean asked = new AtomicBoolean();
        final Runnable command;

        IdleBuffers(final EventLoop loop, final Runnable freeAll)
        {
            this.loop = loop;
            this.freeAll = freeAll;
            this.command = () ->
            {
                asked.set(false);
                freeAll.run();
            };
        }
    }
}
