package io.vigil.deploy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's prober, played inside the pod's network namespace by {@link NetnsPeer}: HTTP GET probes on their
 * period with their timeout, a result changing only after failureThreshold failures in a row (one success is
 * enough: successThreshold 1). The startup probe runs first; readiness and liveness start once it succeeded.
 * Readiness starts "not ready"; a liveness or startup probe that reaches its threshold is where the kubelet would
 * restart the container, which is recorded (a test asserts it never happens).
 */
final class NetnsKubelet
{
    /**
     * A probe of the pod spec.
     *
     * @param kind             startup, readiness or liveness.
     * @param target           the pod's address and the admin port.
     * @param path             the httpGet path.
     * @param periodMs         periodSeconds.
     * @param timeoutMs        timeoutSeconds.
     * @param failureThreshold failures in a row that change the result.
     */
    record Probe(String kind, InetSocketAddress target, String path, long periodMs, int timeoutMs,
        int failureThreshold)
    {
    }

    private final Map<String, Probe> probes = new LinkedHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newScheduledThreadPool(3, r ->
    {
        final Thread thread = new Thread(r, "netns-kubelet");
        thread.setDaemon(true);
        return thread;
    });
    private final List<ScheduledFuture<?>> running = new ArrayList<>();
    private ScheduledFuture<?> startup;
    private final List<String> events = new ArrayList<>();
    private final Map<String, Integer> failuresInARow = new LinkedHashMap<>();
    private final Map<String, Integer> probeCount = new LinkedHashMap<>();
    private volatile boolean ready;
    private int startupFailures;
    private int longestLivenessFailureRun;

    /** @param probe a probe to run once {@link #start()} is called. */
    synchronized void add(final Probe probe)
    {
        probes.put(probe.kind(), probe);
    }

    /** Starts probing, the startup probe first (without one, readiness and liveness at once). */
    synchronized void start()
    {
        event("start");
        if (probes.containsKey("startup"))
        {
            startup = schedule(probes.get("startup"));
        }
        else
        {
            startedUp();
        }
    }

    /** @return whether the last readiness result is "ready": what endpoints and load balancers follow. */
    boolean ready()
    {
        return ready;
    }

    /** Stops probing (the container exited). */
    synchronized void stop()
    {
        running.forEach(future -> future.cancel(false));
        running.clear();
        event("stop");
    }

    /** @return "ok" and what happened: each change with its wall-clock time, counts, longest failure runs. */
    synchronized String report()
    {
        return "ok ready=" + ready + " events=" + String.join(",", events) + " startup-failures=" + startupFailures +
            " liveness-longest-failure-run=" + longestLivenessFailureRun + " probes=" +
            probeCount.toString().replace(" ", "");
    }

    private void startedUp()
    {
        for (final String kind : List.of("readiness", "liveness"))
        {
            if (probes.containsKey(kind))
            {
                schedule(probes.get(kind));
            }
        }
    }

    private ScheduledFuture<?> schedule(final Probe probe)
    {
        final ScheduledFuture<?> future = ticker.scheduleAtFixedRate(() -> probeOnce(probe), 0, probe.periodMs(),
            TimeUnit.MILLISECONDS);
        running.add(future);
        return future;
    }

    private void probeOnce(final Probe probe)
    {
        final boolean success = get(probe);
        synchronized (this)
        {
            if (running.isEmpty())
            {
                return; // stopped while probing
            }
            probeCount.merge(probe.kind(), 1, Integer::sum);
            final int run = success ? 0 : failuresInARow.merge(probe.kind(), 1, Integer::sum);
            if (success)
            {
                failuresInARow.put(probe.kind(), 0);
            }
            switch (probe.kind())
            {
                case "startup" -> startupResult(probe, success, run);
                case "readiness" -> readinessResult(probe, success, run);
                default -> livenessResult(probe, run);
            }
        }
    }

    private void startupResult(final Probe probe, final boolean success, final int run)
    {
        if (success)
        {
            event("started");
            running.remove(startup);
            startup.cancel(false);
            startedUp();
            return;
        }
        startupFailures++;
        if (run == probe.failureThreshold())
        {
            event("startup-restart");
        }
    }

    private void readinessResult(final Probe probe, final boolean success, final int run)
    {
        if (success && !ready)
        {
            ready = true;
            event("ready");
        }
        else if (!success && ready && run >= probe.failureThreshold())
        {
            ready = false;
            event("unready");
        }
    }

    private void livenessResult(final Probe probe, final int run)
    {
        longestLivenessFailureRun = Math.max(longestLivenessFailureRun, run);
        if (run == probe.failureThreshold())
        {
            event("liveness-restart");
        }
    }

    private void event(final String what)
    {
        events.add(what + "@" + System.currentTimeMillis());
    }

    /** The kubelet's HTTP probe: a status from 200 to 399 within the timeout is a success, anything else not. */
    private static boolean get(final Probe probe)
    {
        try (Socket socket = new Socket())
        {
            socket.connect(probe.target(), probe.timeoutMs());
            socket.setSoTimeout(probe.timeoutMs());
            socket.getOutputStream().write(("GET " + probe.path() + " HTTP/1.1\r\nHost: " +
                probe.target().getHostString() + "\r\nUser-Agent: kube-probe/1.30\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            final String status = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.US_ASCII)).readLine();
            final String[] words = status == null ? new String[0] : status.split(" ");
            final int code = words.length > 1 ? Integer.parseInt(words[1]) : 0;
            return code >= 200 && code < 400;
        }
        catch (final IOException | NumberFormatException ex)
        {
            return false;
        }
    }
}
