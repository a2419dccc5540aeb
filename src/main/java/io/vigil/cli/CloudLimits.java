package io.vigil.cli;

import io.vigil.config.ListenerConfig;
import io.vigil.config.NginxTime;
import io.vigil.config.VigilConfig;
import io.vigil.net.KeepAlive;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Idle timeouts of common cloud load balancers, and {@code vigil check}'s warning for a listener whose clients,
 * behind such a load balancer, would lose idle connections: the load balancer forgets a flow that carried no packet
 * for its idle timeout, silently, and the next packet of either side is dropped or answered with a reset. A TCP
 * keepalive probe is a packet: a listener keeps its idle sessions through the load balancer when its
 * {@code so-keepalive} idle is below the timeout, or when Vigil itself closes idle sessions first (proxy-timeout,
 * or keepalive-timeout in HTTP mode).
 */
public final class CloudLimits
{
    /**
     * A load balancer's idle timeout.
     *
     * @param key            the name {@code --lb-idle-timeout} accepts.
     * @param name           for people.
     * @param idleTimeoutSec seconds of silence after which it forgets a TCP flow.
     * @param note           where the number comes from, and whether it can be changed.
     */
    public record LoadBalancer(String key, String name, long idleTimeoutSec, String note)
    {
    }

    /** Well-known defaults, smallest first. */
    public static final List<LoadBalancer> KNOWN = List.of(
        new LoadBalancer("azure-lb", "Azure Load Balancer", 240,
            "default 4 min, configurable 4-100 min per rule"),
        new LoadBalancer("aws-nlb", "AWS Network Load Balancer", 350,
            "TCP idle timeout, 350 s by default, configurable 60-6000 s per listener"),
        new LoadBalancer("gcp", "Google Cloud passthrough Network Load Balancer", 600,
            "connection tracking of established TCP flows, 10 min by default"));

    private CloudLimits()
    {
    }

    /**
     * @param value a {@link LoadBalancer#key()} of {@link #KNOWN}, or an nginx time such as {@code 350s} or
     *              {@code 4m} for any other load balancer.
     * @return the load balancer it names.
     * @throws IllegalArgumentException when it is neither.
     */
    public static LoadBalancer parse(final String value)
    {
        for (final LoadBalancer known : KNOWN)
        {
            if (known.key().equals(value))
            {
                return known;
            }
        }
        final long seconds;
        try
        {
            seconds = NginxTime.parseSeconds(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("--lb-idle-timeout \"" + value + "\" is neither a time (350s, 4m) " +
                "nor one of " + KNOWN.stream().map(LoadBalancer::key).collect(Collectors.joining(", ")), ex);
        }
        if (seconds <= 0)
        {
            throw new IllegalArgumentException("--lb-idle-timeout must be positive: \"" + value + "\"");
        }
        return new LoadBalancer(value, "a load balancer", seconds, "given with --lb-idle-timeout");
    }

    /**
     * @param config        the configuration.
     * @param system        the kernel's keepalive defaults, for empty fields.
     * @param loadBalancers the load balancers in front of Vigil ({@link #KNOWN} when not told).
     * @return one warning per listener that would lose idle connections through any of them; empty when none.
     */
    public static List<String> warnings(final VigilConfig config, final KeepAlive system,
        final List<LoadBalancer> loadBalancers)
    {
        final List<String> warnings = new ArrayList<>();
        for (final ListenerConfig listener : config.listeners())
        {
            if (listener.listen().getAddress() != null && listener.listen().getAddress().isLoopbackAddress())
            {
                continue; // no load balancer reaches a loopback address
            }
            final long vigilIdleSec = idleCloseSec(listener);
            final KeepAlive keepAlive = listener.soKeepalive().effective(system);
            final List<LoadBalancer> lost = new ArrayList<>();
            for (final LoadBalancer loadBalancer : loadBalancers)
            {
                final boolean probesInTime = keepAlive.enabled() && keepAlive.idleSec() < loadBalancer.idleTimeoutSec();
                final boolean closedFirst = vigilIdleSec < loadBalancer.idleTimeoutSec();
                if (!probesInTime && !closedFirst)
                {
                    lost.add(loadBalancer);
                }
            }
            if (!lost.isEmpty())
            {
                warnings.add(warning(listener, keepAlive, vigilIdleSec, lost));
            }
        }
        return warnings;
    }

    /**
     * Prints {@link #warnings} as {@code WARN} lines, as {@code check} does.
     *
     * @param config        the configuration.
     * @param system        the kernel's keepalive defaults.
     * @param loadBalancers the load balancers in front of Vigil.
     * @param out           where to print.
     */
    public static void print(final VigilConfig config, final KeepAlive system,
        final List<LoadBalancer> loadBalancers, final PrintStream out)
    {
        for (final String warning : warnings(config, system, loadBalancers))
        {
            out.println("WARN " + warning);
        }
    }

    private static String warning(final ListenerConfig listener, final KeepAlive keepAlive,
        final long vigilIdleSec, final List<LoadBalancer> lost)
    {
        final long smallest = lost.stream().mapToLong(LoadBalancer::idleTimeoutSec).min().orElseThrow();
        final String probes = "so-keepalive " + listener.soKeepalive() + (keepAlive.enabled() ?
            " sends its first probe after " + keepAlive.idleSec() + " s idle" : " sends no keepalive probes");
        final String closes = "only after " + vigilIdleSec + " s";
        final String limits = lost.stream().map(lb -> lb.name() + " (" + lb.idleTimeoutSec() + " s)")
            .collect(Collectors.joining(", "));
        final String example = Math.min(120, Math.max(1, smallest / 2)) + ":30:5";
        final boolean known = lost.stream().anyMatch(KNOWN::contains);
        return "listener " + listener.name() + ": " + probes + " and Vigil closes idle connections " + closes +
            ", not before the idle timeout of " + limits + ", which silently drops idle connections; " +
            "set so-keepalive idle below " + smallest + " s (e.g. \"" + example + "\")" +
            (known ? " or give your load balancer's idle timeout with --lb-idle-timeout" : "");
    }

    /** Seconds of silence after which Vigil itself closes a connection, rounded up. */
    private static long idleCloseSec(final ListenerConfig listener)
    {
        long ns = listener.proxyTimeoutNs();
        if (listener.http() != null)
        {
            // between requests keepalive-timeout; an upgraded connection (WebSocket) relays with proxy-timeout
            ns = Math.max(ns, listener.http().keepaliveTimeoutNs());
        }
        return TimeUnit.NANOSECONDS.toSeconds(ns + TimeUnit.SECONDS.toNanos(1) - 1);
    }

    /**
     * @return the table, one line each, for {@code --help} and the README.
     */
    public static String table()
    {
        return KNOWN.stream().map(lb -> String.format(Locale.ROOT, "  %-9s %4d s  %s (%s)", lb.key(),
            lb.idleTimeoutSec(), lb.name(), lb.note())).collect(Collectors.joining(System.lineSeparator()));
    }
}
