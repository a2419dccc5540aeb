package io.vigil.net.kernel;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;

/**
 * A channel's registration with a {@link KernelSelector}: its slot in the selector's key table and the slot's
 * generation, both carried in epoll_data so that an event collected before the key was cancelled (and its descriptor
 * number perhaps reused by a new socket) is never delivered to anyone.
 */
final class KernelSelectionKey extends AbstractSelectionKey
{
    final SelectableChannel channel;
    /**
     * The channel's descriptor holder and kind, fixed at registration: the selector reads them as fields instead of
     * through a cast or a call on the channel, whose type profile sees only connections until a listener's key
     * changes or is cancelled, and the class check C2 compiled from it would then throw away the selector's code.
     */
    final KernelFd socket;
    final boolean listening;
    private final int validOps;
    final KernelSelector selector;
    final int slot;
    final int generation;
    /** The events epoll has for this key now (0 = not in the epoll set); selector thread only. */
    int registeredEvents;
    /** Queued for the selector to apply before its next epoll_wait. */
    boolean updatePending;
    private volatile int interest;
    private int ready;

    KernelSelectionKey(final SelectableChannel channel, final KernelFd socket, final boolean listening,
        final KernelSelector selector, final int slot, final int generation)
    {
        this.channel = channel;
        this.socket = socket;
        this.listening = listening;
        this.validOps = channel.validOps();
        this.selector = selector;
        this.slot = slot;
        this.generation = generation;
    }

    long epollData()
    {
        return (long)generation << 32 | slot & 0xffffffffL;
    }

    @Override
    public SelectableChannel channel()
    {
        return channel;
    }

    @Override
    public Selector selector()
    {
        return selector;
    }

    @Override
    public int interestOps()
    {
        ensureValid();
        return interest;
    }

    int interestNoCheck()
    {
        return interest;
    }

    @Override
    public SelectionKey interestOps(final int ops)
    {
        ensureValid();
        if ((ops & ~validOps) != 0)
        {
            throw new IllegalArgumentException("Invalid interest ops: " + ops);
        }
        if (interest != ops)
        {
            interest = ops;
            selector.interestChanged(this);
        }
        return this;
    }

    @Override
    public int readyOps()
    {
        ensureValid();
        return ready;
    }

    void readyOps(final int ops)
    {
        ready = ops;
    }

    int readyNoCheck()
    {
        return ready;
    }

    private void ensureValid()
    {
        if (!isValid())
        {
            throw new CancelledKeyException();
        }
    }
}
