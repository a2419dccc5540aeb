/**
 * The event loop: one {@link java.nio.channels.Selector}, one Agrona timer wheel and a lock-free command queue per
 * thread ({@link io.vigil.loop.EventLoop}), idled by blocking in select, plus the loop-owned buffer pool and
 * session list. Nothing here is shared between loops.
 */
package io.vigil.loop;
