package io.vigil.loop;

/**
 * Something a loop asks, every {@link EventLoop#LIVENESS_CHECK_NS}, whether it still needs asking: a session with a
 * socket epoll cannot see. See {@link EventLoop#watchLiveness(LivenessCheck)}.
 */
@FunctionalInterface
public interface LivenessCheck
{
    /**
     * Check once, on the loop's thread.
     *
     * @param nowNs the loop's clock.
     * @return true to be checked again next round; false to be dropped (watch again to come back).
     */
    boolean checkLiveness(long nowNs);
}
