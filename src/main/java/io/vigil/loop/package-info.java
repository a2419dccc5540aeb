/**
 * The event loop: one {@link java.nio.channels.Selector}, one Agrona timer wheel and lock-free command queues per
 * thread ({@link io.vigil.loop.EventLoop}, joining {@code LoopSelector}: dispatch and wake-up, {@code LoopTimers}
 * and {@code LoopCommands}), idled by blocking in select until the next deadline (or, with {@code idle-strategy =
 * spin}, after polling for a bound: {@link io.vigil.loop.SpinThenBlockIdleStrategy}), its sessions and their periodic
 * sweep ({@link io.vigil.loop.LoopSessions}), its buffer pools, and the watchdog that notices a stuck loop. Nothing
 * here is shared between loops but {@link io.vigil.loop.BufferBudget}, the atomic count of buffer memory behind
 * {@code max-buffer-memory}, touched only when a pool allocates or frees a buffer.
 */
package io.vigil.loop;
