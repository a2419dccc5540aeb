package io.vigil.config;

import java.util.List;
import java.util.Map;

/**
 * The whole, validated configuration. Immutable.
 *
 * @param source            where it was read from, for messages.
 * @param eventLoops        number of selector loops.
 * @param shutdownDelayNs   on SIGTERM, how long Vigil keeps accepting (readiness already failing).
 * @param shutdownTimeoutNs on SIGTERM, how long sessions may finish before they are closed.
 * @param watchConfig       reload when the file (or its ConfigMap directory) changes.
 * @param loopStallTimeoutNs how long a loop may go without a duty cycle while not waiting before it is
 *                          reported as stuck; 0 = never.
 * @param idle              how the event loops wait when they have nothing to do (restart-only).
 * @param maxBufferMemory   the most bytes of direct buffers the loops may hold at once; 0 = auto (restart-only).
 * @param logFormat         how notices and errors are written.
 * @param admin             the admin listener.
 * @param listeners         listeners in the order written.
 * @param upstreams         upstream groups by name.
 */
public record VigilConfig(
    String source,
    int eventLoops,
    long shutdownDelayNs,
    long shutdownTimeoutNs,
    boolean watchConfig,
    long loopStallTimeoutNs,
    IdleConfig idle,
    long maxBufferMemory,
    LogFormat logFormat,
    AdminConfig admin,
    List<ListenerConfig> listeners,
    Map<String, UpstreamConfig> upstreams)
{
}
