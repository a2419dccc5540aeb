package io.vigil.runtime;

import io.vigil.config.VigilConfig;
import io.vigil.log.Log;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Root keys a reload cannot apply to the running process (event-loops is refused outright by the server): a
 * change is accepted for everything else and named in a warning, so the operator knows a restart is due.
 */
final class RestartOnlyKeys
{
    private RestartOnlyKeys()
    {
    }

    static void warnChanged(final VigilConfig running, final VigilConfig next)
    {
        final List<String> changed = new ArrayList<>();
        if (!Objects.equals(running.admin(), next.admin()))
        {
            changed.add("admin");
        }
        if (running.loopStallTimeoutNs() != next.loopStallTimeoutNs())
        {
            changed.add("loop-stall-timeout");
        }
        if (!running.idle().equals(next.idle()))
        {
            changed.add("idle-strategy/idle-spin");
        }
        if (running.maxBufferMemory() != next.maxBufferMemory())
        {
            changed.add("max-buffer-memory");
        }
        if (running.watchConfig() != next.watchConfig())
        {
            changed.add("watch-config");
        }
        if (!changed.isEmpty())
        {
            Log.warn("reload: " + String.join(", ", changed) + " changed; that takes effect at the next restart");
        }
    }
}
