package io.vigil.runtime;

import java.util.List;

/**
 * What a reload changed.
 *
 * @param generation     the new generation's number.
 * @param added          listeners bound anew.
 * @param kept           listeners whose socket carries on into the new generation.
 * @param removed        listeners closed (after taking their backlog).
 * @param retunedSockets open sockets that got a changed so-keepalive.
 */
public record Reloaded(long generation, List<String> added, List<String> kept, List<String> removed,
    long retunedSockets)
{
    /**
     * @return one line for the log.
     */
    public String describe()
    {
        return "generation " + generation + " serves new connections (listeners added " + added + ", kept " + kept +
            ", removed " + removed + "; " + retunedSockets + " open sockets got a new so-keepalive)";
    }
}
