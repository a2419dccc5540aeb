package io.vigil.loop;

/**
 * Receives expiries of timers scheduled with {@link EventLoop#schedule(long, TimerTarget)}. Called on the
 * owning loop's thread.
 */
public interface TimerTarget
{
    /**
     * @param timerId the id returned when the timer was scheduled.
     * @param nowNs   the loop's cached clock.
     */
    void onTimer(long timerId, long nowNs);
}
