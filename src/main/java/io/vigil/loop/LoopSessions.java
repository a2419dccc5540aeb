package io.vigil.loop;

import org.agrona.DeadlineTimerWheel;

import java.util.function.Consumer;

/**
 * The sessions one loop owns, in an intrusive list (linking allocates nothing), and the loop's sweep: one timer
 * walks all sessions every interval for their timeouts, instead of a timer per session, so an idle timeout costs
 * no timer-wheel memory and no work per packet. One session that throws in its sweep is failed alone; the sweep
 * goes on. Loop thread only.
 */
final class LoopSessions implements TimerTarget
{
    private final EventLoop loop;
    private final LoopSession head;
    private int count;
    private long sweepIntervalNs = Long.MAX_VALUE;
    private long sweepTimerId = DeadlineTimerWheel.NULL_DEADLINE;

    LoopSessions(final EventLoop loop)
    {
        this.loop = loop;
        this.head = new LoopSession()
        {
            @Override
            public void shutdown()
            {
            }
        };
        head.next = head;
        head.previous = head;
    }

    void sweepEvery(final long intervalNs)
    {
        if (intervalNs < sweepIntervalNs)
        {
            sweepIntervalNs = intervalNs;
            loop.cancel(sweepTimerId); // a shorter interval applies from now, not after the old one
            sweepTimerId = DeadlineTimerWheel.NULL_DEADLINE;
            arm();
        }
    }

    @Override
    public void onTimer(final long timerId, final long nowNs)
    {
        sweepTimerId = DeadlineTimerWheel.NULL_DEADLINE;
        LoopSession session = head.next;
        while (session != head)
        {
            final LoopSession next = session.next;
            try
            {
                session.onSweep(nowNs);
            }
            catch (final RuntimeException ex)
            {
                // one bad session must never stop the sweep: every timeout of this loop depends on it
                loop.countHandlerFailure(ex);
                failed(session, ex);
            }
            session = next;
        }
        arm();
    }

    private void failed(final LoopSession session, final RuntimeException ex)
    {
        if (session instanceof SelectHandler)
        {
            ((SelectHandler)session).onFailure(ex);
        }
        remove(session); // in case onFailure did not
    }

    private void arm()
    {
        if (sweepTimerId == DeadlineTimerWheel.NULL_DEADLINE && count > 0 && sweepIntervalNs != Long.MAX_VALUE)
        {
            sweepTimerId = loop.schedule(loop.nowNs() + sweepIntervalNs, this);
        }
    }

    void add(final LoopSession session)
    {
        session.next = head;
        session.previous = head.previous;
        head.previous.next = session;
        head.previous = session;
        session.linked = true;
        count++;
        arm();
    }

    void remove(final LoopSession session)
    {
        if (session.linked)
        {
            session.previous.next = session.next;
            session.next.previous = session.previous;
            session.previous = null;
            session.next = null;
            session.linked = false;
            count--;
        }
    }

    void forEach(final Consumer<LoopSession> visitor)
    {
        LoopSession session = head.next;
        while (session != head)
        {
            final LoopSession next = session.next;
            visitor.accept(session);
            session = next;
        }
    }

    int count()
    {
        return count;
    }

    void shutdownAll()
    {
        while (head.next != head)
        {
            final LoopSession session = head.next;
            session.shutdown();
            remove(session); // in case shutdown() did not
        }
    }
}
