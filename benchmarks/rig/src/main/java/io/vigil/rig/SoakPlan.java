package io.vigil.rig;

import java.util.SplittableRandom;

/**
 * The soak's random draws, from one seed: each session's seed, its lifetime, the pause before each message and
 * each message's size. One thread; nothing allocated per draw.
 */
final class SoakPlan
{
    private final SoakRun.Settings settings;
    private final SplittableRandom random;

    SoakPlan(final SoakRun.Settings settings)
    {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    /**
     * @return a new session's seed (the bytes it sends follow from it).
     */
    long sessionSeed()
    {
        return random.nextLong();
    }

    /**
     * With N sessions, a mean life of N/churn seconds makes about churn sessions end a second. Lives are uniform
     * over twice the mean; the sessions open when the hold starts get what remains of one, uniform over the mean,
     * so the churn is steady from the first second.
     *
     * @param remaining a session already open when the hold starts.
     * @return how long the session lives.
     */
    long lifetimeNs(final boolean remaining)
    {
        final double meanNs = settings.sessions() / settings.churnPerSec() * 1e9;
        return (long)(random.nextDouble() * (remaining ? 1 : 2) * meanNs);
    }

    /**
     * @return the pause before a session's next message: messagesPerSec over all sessions on average.
     */
    long thinkNs()
    {
        final double meanNs = settings.sessions() / settings.messagesPerSec() * 1e9;
        return (long)(random.nextDouble() * 2 * meanNs);
    }

    /**
     * @return a message size from 1 to maxMessage, skewed towards small ones (mean about a quarter of the max).
     */
    int messageSize()
    {
        final double u = random.nextDouble();
        return 1 + (int)(u * u * u * settings.maxMessage());
    }
}
