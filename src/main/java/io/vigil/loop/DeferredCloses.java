package io.vigil.loop;

import org.agrona.CloseHelper;

import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * Sockets whose keys were cancelled, closed once the loop's next select has deregistered them. Why: the JDK closes
 * a socket that is still registered with a selector with getsockopt(SO_LINGER) + shutdown(SHUT_WR) first (so that
 * the peer sees EOF before the deferred close) and only then close(); a socket no longer registered is closed with
 * close() alone. Waiting one select saves two syscalls per socket (four per proxied connection), and the close itself
 * sends the FIN.
 */
final class DeferredCloses
{
    private final ArrayDeque<SocketChannel> waiting = new ArrayDeque<>();
    /** How many of {@link #waiting} (from the head) were queued before the select that is running now. */
    private int deregistered;

    /**
     * @param selector the loop's selector.
     * @param channel  a socket to close; its key with {@code selector} is cancelled now.
     * @return false when the socket was closed at once (not registered here, or still registered elsewhere).
     */
    boolean add(final Selector selector, final SocketChannel channel)
    {
        final SelectionKey key = channel.keyFor(selector);
        if (key == null)
        {
            CloseHelper.quietClose(channel); // never registered here, or elsewhere: the JDK's own way
            return false;
        }
        key.cancel();
        waiting.addLast(channel);
        return true;
    }

    /**
     * @return true when sockets wait: the loop must select again (without blocking) and then close them.
     */
    boolean pending()
    {
        return !waiting.isEmpty();
    }

    /**
     * Call just before a select: the sockets queued so far will be deregistered by it.
     */
    void beforeSelect()
    {
        deregistered = waiting.size();
    }

    /**
     * Call just after that select: close the sockets it deregistered.
     *
     * @return how many were closed.
     */
    int afterSelect()
    {
        final int closing = deregistered;
        deregistered = 0;
        for (int i = 0; i < closing; i++)
        {
            CloseHelper.quietClose(waiting.pollFirst());
        }
        return closing;
    }

    /**
     * Close all that wait (the selector is closed or about to be).
     */
    void closeAll()
    {
        SocketChannel channel;
        while ((channel = waiting.pollFirst()) != null)
        {
            CloseHelper.quietClose(channel);
        }
        deregistered = 0;
    }
}
