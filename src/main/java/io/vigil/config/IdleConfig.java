package io.vigil.config;

import java.util.concurrent.TimeUnit;

/**
 * How an event loop waits when it has nothing to do ({@code idle-strategy}, {@code idle-spin}).
 *
 * @param strategy block at once, or poll for {@code spinNs} first.
 * @param spinNs   with {@link Strategy#SPIN}: how long the loop keeps polling after its last work before it blocks.
 */
public record IdleConfig(Strategy strategy, long spinNs)
{
    /** The shortest idle-spin: below a microsecond a spin is no more than one poll. */
    public static final long MIN_SPIN_NS = TimeUnit.MICROSECONDS.toNanos(1);
    /** The longest idle-spin: beyond it the loop is a busy loop, which this option does not offer. */
    public static final long MAX_SPIN_NS = TimeUnit.SECONDS.toNanos(1);

    /** The idle strategies. */
    public enum Strategy
    {
        /** Block in select at once (one epoll_wait per wake-up): no CPU while idle. The default. */
        BLOCK,
        /** Poll for idle-spin before blocking: lower wake-up latency for a core kept busy after each burst. */
        SPIN
    }
}
