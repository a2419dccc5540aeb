package io.vigil.loop;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Who waits for a file descriptor (an acceptor paused by EMFILE), told as soon as any loop closes a socket, so that
 * accepting resumes when a descriptor is free rather than after a fixed pause. Descriptors are per process, so a
 * close on any loop may let every waiter go on. While nothing waits a close costs one volatile read here. Sockets a
 * loop closes go through {@link EventLoop#closeSoon}, which tells this; a socket closed any other way is a descriptor
 * a paused acceptor does not hear of.
 */
public final class FreedDescriptors
{
    /** isEmpty() is one volatile read of the list's array: the common case (nobody waits) costs only that. */
    private static final CopyOnWriteArrayList<Runnable> WAITERS = new CopyOnWriteArrayList<>();

    private FreedDescriptors()
    {
    }

    /**
     * @param waker run (on the closing thread, so it should only queue work for its own loop) after each close
     *              until {@link #stopWaiting}.
     */
    public static void await(final Runnable waker)
    {
        WAITERS.addIfAbsent(waker);
    }

    /**
     * @param waker as given to {@link #await}.
     */
    public static void stopWaiting(final Runnable waker)
    {
        WAITERS.remove(waker);
    }

    /**
     * Sockets were closed (any loop, any thread): tell whoever waits for a descriptor.
     */
    public static void descriptorsFreed()
    {
        if (WAITERS.isEmpty())
        {
            return;
        }
        for (final Runnable waker : WAITERS)
        {
            waker.run();
        }
    }
}
