package io.vigil.cli;

import io.vigil.config.ListenerConfig;
import io.vigil.config.NginxTime;
import io.vigil.config.VigilConfig;
import io.vigil.net.KeepAlive;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How Vigil's stop fits a Kubernetes pod's termination grace, for {@code vigil check --termination-grace T}. The
 * kubelet runs the preStop hook, sends SIGTERM, and sends SIGKILL when terminationGracePeriodSeconds (counted from
 * the start of preStop) run out. Vigil, on SIGTERM, accepts for shutdown-delay, gives open sessions
 * shutdown-timeout, closes the rest and exits: all of that, and a few seconds to exit, must fit the grace, or the
 * SIGKILL resets the sessions still open and the pod ends with exit code 137.
 * <p>
 * Dead-peer detection (so-keepalive idle + intvl x cnt) is no part of that sum, on purpose: during the stop, a
 * session whose peer vanished is closed at the end of shutdown-timeout like any other, so a slow detection never
 * holds a pod past its grace. {@link #drainLine} says so where it applies, as a fact rather than a warning: the
 * seed's own Kubernetes advice (120:30:5, 270 s) is longer than any common grace period.
 */
public final class TerminationGrace
{
    /** After shutdown-timeout: Vigil's wait for its loops to report (2 s) and the JVM's exit. */
    public static final long EXIT_MARGIN_SEC = 5;

    /**
     * The pod's side of the stop.
     *
     * @param graceSec   terminationGracePeriodSeconds.
     * @param preStopSec how long the preStop hook takes (0 without one); counted inside the grace.
     */
    public record Pod(long graceSec, long preStopSec)
    {
    }

    private TerminationGrace()
    {
    }

    /**
     * @param grace   {@code --termination-grace}: a time such as {@code 40s} or {@code 40} (seconds).
     * @param preStop {@code --pre-stop}, or null for none.
     * @return the pod.
     * @throws IllegalArgumentException when a time is malformed or the grace is not positive.
     */
    public static Pod parse(final String grace, final String preStop)
    {
        final long graceSec = seconds("--termination-grace", grace);
        if (graceSec <= 0)
        {
            throw new IllegalArgumentException("--termination-grace must be positive: \"" + grace + "\"");
        }
        return new Pod(graceSec, preStop == null ? 0 : seconds("--pre-stop", preStop));
    }

    private static long seconds(final String option, final String value)
    {
        try
        {
            return NginxTime.parseSeconds(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(option + " \"" + value + "\" is not a time (40s, 1m)", ex);
        }
    }

    /**
     * @param config the configuration.
     * @param preStopSec the preStop hook's time.
     * @return seconds from the start of preStop until Vigil has exited, at the latest.
     */
    public static long neededSec(final VigilConfig config, final long preStopSec)
    {
        return preStopSec + ceilSec(config.shutdownDelayNs()) + ceilSec(config.shutdownTimeoutNs()) + EXIT_MARGIN_SEC;
    }

    /**
     * @param config the configuration.
     * @param pod    the pod it runs in.
     * @return the warning when the kubelet's SIGKILL can come before Vigil has closed its sessions and exited;
     *         empty when the grace covers the stop.
     */
    public static List<String> warnings(final VigilConfig config, final Pod pod)
    {
        final long needed = neededSec(config, pod.preStopSec());
        if (pod.graceSec() >= needed)
        {
            return List.of();
        }
        return List.of("terminationGracePeriodSeconds " + pod.graceSec() + " s is shorter than the stop: preStop " +
            pod.preStopSec() + " s + shutdown-delay " + ceilSec(config.shutdownDelayNs()) + " s + shutdown-timeout " +
            ceilSec(config.shutdownTimeoutNs()) + " s + " + EXIT_MARGIN_SEC + " s to exit = " + needed + " s; " +
            "the kubelet's SIGKILL would reset the sessions still open and Vigil would exit 137, not 0; " +
            "set terminationGracePeriodSeconds to at least " + needed + " or shorten shutdown-timeout");
    }

    /**
     * @param config the configuration.
     * @param system the kernel's keepalive defaults, for empty fields.
     * @return what happens on SIGTERM, in one or two lines for {@code check}.
     */
    static String drainLine(final VigilConfig config, final KeepAlive system)
    {
        final long delaySec = ceilSec(config.shutdownDelayNs());
        final long timeoutSec = ceilSec(config.shutdownTimeoutNs());
        final StringBuilder line = new StringBuilder("stop: on SIGTERM readiness fails; ")
            .append(delaySec > 0 ? "accepting for shutdown-delay " + delaySec + " s, then " : "")
            .append("open sessions get shutdown-timeout ").append(timeoutSec).append(" s: the last is closed ")
            .append(delaySec + timeoutSec).append(" s after SIGTERM");
        final List<String> slower = new ArrayList<>();
        for (final ListenerConfig listener : config.listeners())
        {
            final KeepAlive keepAlive = listener.soKeepalive().effective(system);
            if (keepAlive.enabled() && listener.soKeepalive().deadPeerDetectionSec(system) > delaySec + timeoutSec)
            {
                slower.add(listener.name() + " " + listener.soKeepalive().deadPeerDetectionSec(system) + " s");
            }
        }
        if (!slower.isEmpty())
        {
            line.append(System.lineSeparator()).append("  sessions whose peer vanished are closed then too, ")
                .append("not left to so-keepalive's dead-peer detection (").append(String.join(", ", slower))
                .append(')');
        }
        return line.toString();
    }

    private static long ceilSec(final long ns)
    {
        return TimeUnit.NANOSECONDS.toSeconds(ns + TimeUnit.SECONDS.toNanos(1) - 1);
    }
}
