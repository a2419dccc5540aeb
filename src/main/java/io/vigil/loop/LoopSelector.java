package io.vigil.loop;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * A loop's selector and its wake-up policy: ready keys are dispatched straight from the select call (no selected-key
 * set to copy), one failing handler never stops the loop, other threads wake the selector only while the loop is
 * blocked in it, and a blocking select is never followed by a selectNow that could only find nothing (one
 * {@code epoll_wait} per wake-up). Loop thread only, except {@link #wakeIfBlocked()}, {@link #wakeUp()} and
 * {@link #waiting()}.
 */
final class LoopSelector
{
    private final EventLoop loop;
    private final Selector selector;
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    /** Null unless -Dvigil.loop.histograms=true. */
    private final LoopHistograms histograms = LoopHistograms.ENABLED ? new LoopHistograms() : null;
    private volatile boolean selecting;
    /** Set while blocked in select: the first key it dispatches must see the time after the wait, not before. */
    private boolean clockStale;
    /** The blocking select just ran (and dispatched what was ready): the next duty cycle needs no selectNow. */
    private boolean justSelected;
    /** Select calls so far: the ready set a key is dispatched from was collected at the start of the current one. */
    private long passes;

    LoopSelector(final EventLoop loop, final Selector selector)
    {
        this.loop = loop;
        this.selector = selector;
    }

    Selector selector()
    {
        return selector;
    }

    /**
     * Dispatch what is ready without waiting, unless a blocking select just did.
     *
     * @param mustSelect select even right after a blocking select.
     * @return keys dispatched.
     */
    int selectNow(final boolean mustSelect) throws IOException
    {
        // after a blocking select a selectNow would find nothing but cost an epoll_wait per wake-up: when it
        // is skipped and nothing else is due, the idle strategy's select sees whatever became ready since
        // (mustSelect: cancelled keys wait to be deregistered, see DeferredCloses)
        if (justSelected && !mustSelect)
        {
            justSelected = false;
            return 0;
        }
        justSelected = false;
        passes++;
        return selector.selectNow(onSelected);
    }

    /**
     * Block until a key is ready, a command arrives or the timeout passes, dispatching what became ready.
     *
     * @param timeoutMs 0 = no timeout.
     * @param commands  checked after the waiting flag is up, so a command offered before it is not slept on.
     */
    void select(final long timeoutMs, final LoopCommands commands) throws IOException
    {
        selecting = true;
        try
        {
            if (commands.isEmpty())
            {
                clockStale = true;
                final long startNs = histograms == null ? 0 : System.nanoTime();
                passes++;
                final int keys = selector.select(onSelected, timeoutMs);
                if (histograms != null)
                {
                    // the first dispatched key set the clock to the wake-up time (clockStale), before handling it
                    histograms.selected(startNs, keys > 0 ? loop.nowNs() : System.nanoTime(), keys);
                }
                clockStale = false;
                justSelected = true;
            }
        }
        finally
        {
            selecting = false;
        }
    }

    /** Wake the loop if it is blocked in select; a loop that is not will see the new work in its next cycle. */
    void wakeIfBlocked()
    {
        if (selecting)
        {
            selector.wakeup();
        }
    }

    /** Wake the loop whatever it is doing: its next select returns at once. */
    void wakeUp()
    {
        selector.wakeup();
    }

    boolean waiting()
    {
        return selecting;
    }

    long passes()
    {
        return passes;
    }

    private void onSelected(final SelectionKey key)
    {
        if (clockStale)
        {
            // the wait may have lasted seconds: deadlines scheduled from here (connect-timeout, HTTP timeouts)
            // and durations measured from here would otherwise start in the past
            loop.refreshClock();
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
            loop.countHandlerFailure(ex);
            handler.onFailure(ex);
        }
    }

    void close()
    {
        if (histograms != null)
        {
            histograms.print(loop.roleName(), System.err);
        }
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
