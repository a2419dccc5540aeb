package io.vigil.net.kernel;


import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A level-triggered epoll selector for Vigil's own sockets. Keys live in a table indexed by slot; epoll_data holds
 * slot and generation, never the descriptor, so a stale event (its socket closed, the number reused by a newer
 * socket, earlier in the same pass) is dropped. Registration adds to epoll at once; interest changes are applied
 * (MOD, ADD) before the next epoll_wait; a key whose interest went to none stays in epoll until an event names it
 * (then DEL: EPOLLHUP would otherwise fire forever), since most such sockets are closed before that; a closed
 * channel's key is not deleted from epoll (closing the descriptor did that). Wake-up through an eventfd.
 * {@code select(Consumer, long)} and {@code selectNow(Consumer)} dispatch straight from epoll's array.
 *
 * <p>Thread safety: select on one thread; wakeup, register and interestOps from any thread.
 */
final class KernelSelector extends AbstractSelector
{
    private static final int MAX_EVENTS = 512;
    /** epoll_data of the wake-up eventfd: no key has slot -1. */
    private static final long WAKEUP = 0xffffffffL;
    /**
     * Every this many passes (a power of two), dispatch also drains the eventfd as if it had fired: one read,
     * EAGAIN when no wake-up is pending. Wake-ups (another thread's command) are rare, and C2 compiles a branch its
     * profile never saw taken as a trap: the first real wake-up after that threw away dispatch's compiled code and
     * its callers' with it, on the loop's core (benchmarks/RESULTS.md, issue 15, branch s9-jit). With this the branch
     * is taken in every profile; a pass costs one read in 128 (a request/response loop at saturation: ~0.005 syscalls
     * per request).
     */
    private static final int DRAIN_EVERY = 128;

    private final Arena arena = Arena.ofShared();
    /** epoll's events, and one slot more for the drain that {@link #DRAIN_EVERY} asks for. */
    private final MemorySegment events = arena.allocate((long)Native.EPOLL_EVENT_BYTES * (MAX_EVENTS + 1), 8);
    private final MemorySegment one = arena.allocate(8, 8);
    private final MemorySegment wakeState = arena.allocate(Native.CAPTURE);
    private final int epfd;
    private final int wakeFd;
    /** A wakeup is pending in the eventfd; set and cleared under the wakeState lock, read without it. */
    private final AtomicBoolean woken = new AtomicBoolean();
    /** Guarded by wakeState: no write or read of the eventfd's number once it is closed. */
    private boolean wakeFdClosed;
    private final Object tableLock = new Object();
    private final ArrayDeque<KernelSelectionKey> updates = new ArrayDeque<>();
    private final Set<SelectionKey> selected = new HashSet<>();
    private volatile KernelSelectionKey[] slots = new KernelSelectionKey[64];
    private int[] generations = new int[64];
    private int[] freeSlots = new int[64];
    private int freeCount;
    private int nextSlot;
    private int passes;

    KernelSelector(final SelectorProvider provider) throws IOException
    {
        super(provider);
        final Scratch scratch = Scratch.get();
        try
        {
            epfd = (int)Native.EPOLL_CREATE1.invokeExact(scratch.state, Native.EPOLL_CLOEXEC);
            if (epfd < 0)
            {
                throw KernelFd.error(Native.errno(scratch.state));
            }
            wakeFd = (int)Native.EVENTFD.invokeExact(scratch.state, 0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC);
            if (wakeFd < 0)
            {
                KernelFd.closeQuietly(epfd);
                throw KernelFd.error(Native.errno(scratch.state));
            }
        }
        catch (final IOException ex)
        {
            arena.close();
            throw ex;
        }
        catch (final Throwable ex)
        {
            arena.close();
            throw new IOException("epoll_create1 failed", ex);
        }
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        if (control(Native.EPOLL_CTL_ADD, wakeFd, Native.EPOLLIN, WAKEUP) != 0)
        {
            final IOException failure = KernelFd.error(Native.errno(Scratch.get().state));
            KernelFd.closeQuietly(wakeFd);
            KernelFd.closeQuietly(epfd);
            arena.close();
            throw failure;
        }
    }

    private int control(final int op, final int fd, final int eventMask, final long data)
    {
        final Scratch scratch = Scratch.get();
        scratch.value.set(ValueLayout.JAVA_INT, 0, eventMask);
        scratch.value.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, data);
        try
        {
            return (int)Native.EPOLL_CTL.invokeExact(scratch.state, epfd, op, fd, scratch.value);
        }
        catch (final Throwable ex)
        {
            return -1;
        }
    }

    @Override
    protected SelectionKey register(final AbstractSelectableChannel channel, final int ops, final Object attachment)
    {
        final KernelFd socket;
        final boolean listening = channel instanceof KernelServerSocketChannel;
        if (channel instanceof KernelSocketChannel connection)
        {
            socket = connection.kernelFd();
        }
        else if (listening)
        {
            socket = ((KernelServerSocketChannel)channel).kernelFd();
        }
        else
        {
            throw new IllegalSelectorException();
        }
        if (!isOpen())
        {
            throw new ClosedSelectorException();
        }
        final KernelSelectionKey key;
        synchronized (tableLock)
        {
            final int slot = freeCount > 0 ? freeSlots[--freeCount] : nextSlot++;
            if (slot >= slots.length)
            {
                final KernelSelectionKey[] grown = java.util.Arrays.copyOf(slots, slots.length * 2);
                generations = java.util.Arrays.copyOf(generations, grown.length);
                freeSlots = java.util.Arrays.copyOf(freeSlots, grown.length);
                slots = grown;
            }
            key = new KernelSelectionKey(channel, socket, listening, this, slot, generations[slot]);
            slots[slot] = key;
        }
        key.attach(attachment);
        key.interestOps(ops);
        return key;
    }

    /** Record an interest change; applied before the next epoll_wait, on the selecting thread. */
    void interestChanged(final KernelSelectionKey key)
    {
        synchronized (updates)
        {
            if (!key.updatePending)
            {
                key.updatePending = true;
                updates.add(key);
            }
        }
    }

    private void applyUpdates()
    {
        synchronized (updates)
        {
            KernelSelectionKey key;
            while ((key = updates.poll()) != null)
            {
                key.updatePending = false;
                final int fd = key.socket.fd;
                if (!key.isValid() || fd < 0)
                {
                    continue; // cancelled, or closed: its descriptor number may be another socket's now
                }
                final int wanted = epollEvents(key.interestNoCheck());
                if (wanted == key.registeredEvents || wanted == 0)
                {
                    continue; // none: left in epoll until an event comes (most such sockets are closed first)
                }
                final int op = wanted == 0 ? Native.EPOLL_CTL_DEL :
                    key.registeredEvents == 0 ? Native.EPOLL_CTL_ADD : Native.EPOLL_CTL_MOD;
                if (control(op, fd, wanted, key.epollData()) == 0)
                {
                    key.registeredEvents = wanted;
                }
            }
        }
    }

    private static int epollEvents(final int ops)
    {
        int mask = 0;
        if ((ops & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0)
        {
            mask |= Native.EPOLLIN;
        }
        if ((ops & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0)
        {
            mask |= Native.EPOLLOUT;
        }
        return mask;
    }

    /** Free the slots of cancelled keys; DEL from epoll only a still open channel's. */
    private void processCancelled()
    {
        final Set<SelectionKey> cancelled = cancelledKeys();
        synchronized (cancelled)
        {
            if (cancelled.isEmpty())
            {
                return;
            }
            for (final SelectionKey cancelledKey : cancelled)
            {
                final KernelSelectionKey key = (KernelSelectionKey)cancelledKey;
                final int fd = key.socket.fd;
                if (key.registeredEvents != 0 && fd >= 0 && key.channel.isOpen())
                {
                    control(Native.EPOLL_CTL_DEL, fd, 0, 0);
                }
                key.registeredEvents = 0;
                synchronized (tableLock)
                {
                    slots[key.slot] = null;
                    generations[key.slot]++;
                    freeSlots[freeCount++] = key.slot;
                }
                selected.remove(key);
                deregister(key);
            }
            cancelled.clear();
        }
    }

    private int doSelect(final Consumer<SelectionKey> action, final long timeoutMs) throws IOException
    {
        if (!isOpen())
        {
            throw new ClosedSelectorException();
        }
        processCancelled();
        applyUpdates();
        final int timeout = timeoutMs < 0 ? 0 : timeoutMs == 0 ? -1 : (int)Math.min(timeoutMs, Integer.MAX_VALUE);
        int ready;
        final boolean blocking = timeout != 0;
        final MemorySegment captured = Scratch.get().state;
        if (blocking)
        {
            begin();
        }
        try
        {
            // without errno capture (a segment sliced per call); failed (EINTR, mostly): once more, polling, with it
            ready = (int)Native.EPOLL_WAIT_UNCAPTURED.invokeExact(epfd, events, MAX_EVENTS,
                blocking && woken.get() ? 0 : timeout);
            if (ready < 0)
            {
                ready = (int)Native.EPOLL_WAIT.invokeExact(captured, epfd, events, MAX_EVENTS, 0);
            }
        }
        catch (final Throwable ex)
        {
            throw new IOException("epoll_wait failed", ex);
        }
        finally
        {
            if (blocking)
            {
                end();
            }
        }
        if (ready < 0 && Native.errno(captured) != Native.EINTR)
        {
            throw KernelFd.error(Native.errno(captured));
        }
        processCancelled();
        return dispatch(action, appendDrain(Math.max(ready, 0)));
    }

    /** Every {@link #DRAIN_EVERY} passes, a wake-up event after epoll's: see there why. */
    private int appendDrain(final int ready)
    {
        if ((++passes & (DRAIN_EVERY - 1)) != 0)
        {
            return ready;
        }
        events.set(ValueLayout.JAVA_LONG_UNALIGNED, (long)ready * Native.EPOLL_EVENT_BYTES + 4, WAKEUP);
        return ready + 1;
    }

    private int dispatch(final Consumer<SelectionKey> action, final int ready)
    {
        final KernelSelectionKey[] table = slots;
        int dispatched = 0;
        for (int i = 0; i < ready; i++)
        {
            final long offset = (long)i * Native.EPOLL_EVENT_BYTES;
            final int mask = events.get(ValueLayout.JAVA_INT_UNALIGNED, offset);
            final long data = events.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + 4);
            if (data == WAKEUP)
            {
                drainWakeUp();
                continue;
            }
            final int slot = (int)data;
            final KernelSelectionKey key = slot >= 0 && slot < table.length ? table[slot] : null;
            // a stale event: its key cancelled (channel closed) earlier in this pass, or the slot reused since
            if (key == null || key.generation != (int)(data >>> 32) || !key.isValid())
            {
                continue;
            }
            final int interest = key.interestNoCheck();
            if (interest == 0)
            {
                forget(key); // its interest went to none since it was added: remove it now, or it fires forever
                continue;
            }
            final int readyOps = readyOps(key, mask, interest);
            if (action != null)
            {
                key.readyOps(readyOps);
                if ((readyOps & interest) != 0)
                {
                    action.accept(key);
                    dispatched++;
                    if (!isOpen())
                    {
                        throw new ClosedSelectorException();
                    }
                }
            }
            else if ((readyOps & interest) != 0)
            {
                if (selected.contains(key))
                {
                    final int before = key.readyNoCheck();
                    key.readyOps(before | readyOps);
                    dispatched += (before | readyOps) != before ? 1 : 0;
                }
                else
                {
                    key.readyOps(readyOps);
                    selected.add(key);
                    dispatched++;
                }
            }
        }
        return dispatched;
    }

    private void forget(final KernelSelectionKey key)
    {
        final int fd = key.socket.fd;
        if (key.registeredEvents != 0 && fd >= 0 && control(Native.EPOLL_CTL_DEL, fd, 0, 0) == 0)
        {
            key.registeredEvents = 0;
        }
    }

    /** As the JDK's translateReadyOps: an error or hang-up makes the key ready for everything it is interested in. */
    private static int readyOps(final KernelSelectionKey key, final int mask, final int interest)
    {
        if ((mask & (Native.EPOLLERR | Native.EPOLLHUP)) != 0)
        {
            return interest;
        }
        if (key.listening)
        {
            return (mask & Native.EPOLLIN) != 0 ? interest & SelectionKey.OP_ACCEPT : 0;
        }
        final int state = ((KernelSocketChannel)key.channel).connectState();
        int ops = 0;
        if ((mask & Native.EPOLLIN) != 0 && state == KernelSocketChannel.CONNECTED)
        {
            ops |= SelectionKey.OP_READ;
        }
        if ((mask & Native.EPOLLOUT) != 0)
        {
            ops |= state == KernelSocketChannel.CONNECTED ? SelectionKey.OP_WRITE :
                state == KernelSocketChannel.PENDING ? SelectionKey.OP_CONNECT : 0;
        }
        return ops & interest;
    }

    /**
     * Read the eventfd and clear {@code woken} as one step under the wake lock: a wakeup between the two would leave
     * {@code woken} set with the eventfd empty, and every later select would return at once (a loop spinning).
     */
    private void drainWakeUp()
    {
        final Scratch scratch = Scratch.get();
        synchronized (wakeState)
        {
            if (wakeFdClosed)
            {
                return;
            }
            try
            {
                final long ignored = (long)Native.READ.invokeExact(scratch.state, wakeFd, scratch.value, 8L);
            }
            catch (final Throwable ex)
            {
                // still readable at worst: the next select returns at once and tries again
            }
            woken.set(false);
        }
    }

    @Override
    public Selector wakeup()
    {
        if (isOpen() && !woken.get())
        {
            synchronized (wakeState)
            {
                // under the lock: the eventfd is not being drained, nor closed (its number may be another's then)
                if (!wakeFdClosed && !woken.get())
                {
                    try
                    {
                        final long ignored = (long)Native.WRITE.invokeExact(wakeState, wakeFd, one, 8L);
                        woken.set(true);
                    }
                    catch (final Throwable ex)
                    {
                        // not woken: the next wakeup tries again
                    }
                }
            }
        }
        return this;
    }

    @Override
    public Set<SelectionKey> keys()
    {
        if (!isOpen())
        {
            throw new ClosedSelectorException();
        }
        final Set<SelectionKey> all = new HashSet<>();
        for (final KernelSelectionKey key : slots)
        {
            if (key != null)
            {
                all.add(key);
            }
        }
        return Collections.unmodifiableSet(all);
    }

    @Override
    public Set<SelectionKey> selectedKeys()
    {
        if (!isOpen())
        {
            throw new ClosedSelectorException();
        }
        return selected;
    }

    @Override
    public int selectNow() throws IOException
    {
        return doSelect(null, -1);
    }

    @Override
    public int select(final long timeout) throws IOException
    {
        if (timeout < 0)
        {
            throw new IllegalArgumentException("Negative timeout");
        }
        return doSelect(null, timeout);
    }

    @Override
    public int select() throws IOException
    {
        return doSelect(null, 0);
    }

    @Override
    public int select(final Consumer<SelectionKey> action, final long timeout) throws IOException
    {
        if (timeout < 0)
        {
            throw new IllegalArgumentException("Negative timeout");
        }
        return doSelect(java.util.Objects.requireNonNull(action), timeout);
    }

    @Override
    public int select(final Consumer<SelectionKey> action) throws IOException
    {
        return select(action, 0);
    }

    @Override
    public int selectNow(final Consumer<SelectionKey> action) throws IOException
    {
        return doSelect(java.util.Objects.requireNonNull(action), -1);
    }

    @Override
    protected void implCloseSelector() throws IOException
    {
        wakeup();
        synchronized (this)
        {
            for (final KernelSelectionKey key : slots)
            {
                if (key != null)
                {
                    key.cancel();
                }
            }
            final Set<SelectionKey> cancelled = cancelledKeys();
            synchronized (cancelled)
            {
                for (final SelectionKey key : cancelled)
                {
                    deregister((KernelSelectionKey)key);
                }
                cancelled.clear();
            }
            synchronized (wakeState)
            {
                wakeFdClosed = true;
                KernelFd.closeQuietly(wakeFd);
            }
            KernelFd.closeQuietly(epfd);
        }
        try
        {
            arena.close();
        }
        catch (final IllegalStateException ex)
        {
            // another thread is in a call on it right now (a late wakeup): the memory goes with the GC instead
        }
    }
}
