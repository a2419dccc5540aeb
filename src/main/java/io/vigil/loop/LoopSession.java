package io.vigil.loop;

/**
 * Something a loop owns until it ends, linked into the loop's session list without allocation so the loop can
 * count and close what is open when it shuts down.
 */
public abstract class LoopSession
{
    LoopSession previous;
    LoopSession next;
    boolean linked;

    /**
     * End now because Vigil is shutting down. Must unlink itself with {@link EventLoop#remove(LoopSession)}.
     */
    public abstract void shutdown();

    /**
     * Vigil started draining (SIGTERM): stop taking new work, e.g. close an idle keep-alive connection now and
     * announce Connection: close on the next response. The default does nothing (a relay runs to its end).
     */
    public void onDrain()
    {
    }

    /**
     * Periodic check from the loop's sweep (see {@link EventLoop#sweepEvery(long)}), e.g. for an idle timeout.
     * May close and unlink this session.
     *
     * @param nowNs the loop's clock.
     */
    public void onSweep(final long nowNs)
    {
    }
}
