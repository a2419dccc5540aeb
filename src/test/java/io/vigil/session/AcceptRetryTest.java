package io.vigil.session;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A paused acceptor's retry delays: quick after a close's wake-up, doubling, saturating at the fallback and never
 * reaching zero however long an EMFILE episode lasts (a zero delay would spin the loop).
 */
class AcceptRetryTest
{
    private static final long QUICK_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long FALLBACK_NS = TimeUnit.MILLISECONDS.toNanos(500);

    @Test
    void shouldWaitTheFallbackWhenNoCloseLetItTry()
    {
        final AcceptRetry retry = new AcceptRetry(QUICK_NS, FALLBACK_NS);
        assertEquals(FALLBACK_NS, retry.pauseAfterFailure());
        assertEquals(FALLBACK_NS, retry.pauseAfterFailure());
    }

    @Test
    void shouldDoubleFromTheQuickDelayAfterAWakeUpAndStartOverOnceAnAcceptSucceeds()
    {
        final AcceptRetry retry = new AcceptRetry(QUICK_NS, FALLBACK_NS);
        retry.resumedByClose();
        assertEquals(QUICK_NS, retry.pauseAfterFailure());
        assertEquals(2 * QUICK_NS, retry.pauseAfterFailure(), "the timer's retry fails too: still quick");
        assertEquals(4 * QUICK_NS, retry.pauseAfterFailure());
        retry.accepted();
        retry.resumedByClose();
        assertEquals(QUICK_NS, retry.pauseAfterFailure());
    }

    @Test
    void shouldNeverSpinHoweverManyWakeUpsFail()
    {
        final AcceptRetry retry = new AcceptRetry(QUICK_NS, FALLBACK_NS);
        for (int cycle = 0; cycle < 200; cycle++)
        {
            retry.resumedByClose(); // a close elsewhere, and another thread took the descriptor again
            for (int timerTry = 0; timerTry < 3; timerTry++)
            {
                final long pauseNs = retry.pauseAfterFailure();
                assertTrue(pauseNs >= QUICK_NS && pauseNs <= FALLBACK_NS, "cycle " + cycle + ": " + pauseNs + " ns");
            }
        }
        assertEquals(FALLBACK_NS, retry.pauseAfterFailure(), "a long episode ends at the fallback pause");
    }
}
