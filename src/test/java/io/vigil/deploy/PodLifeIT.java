package io.vigil.deploy;

import io.fabric8.kubernetes.api.model.Probe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pod's life, played: the host-network pod with the ConfigMap's config as shipped, run as {@link PodRun} runs it,
 * and the kubelet played around it. Its probes run on their schedule from before the container starts
 * ({@link NetnsKubelet}); clients open sessions only while the readiness probe says ready, as endpoints and a load
 * balancer would ({@link NetnsLoad}), and one long-lived session stays open. The ConfigMap is updated by the
 * kubelet's "..data" swap and Vigil reloads it; then the pod is deleted: preStop, SIGTERM, SIGKILL at the grace
 * period. Not one client session may fail, the long-lived one must survive the reload and be closed cleanly in the
 * drain, readiness must change exactly twice (ready, then not ready after SIGTERM), liveness must never fail
 * enough to restart the container, and Vigil must exit 0 in time. Needs root, like {@link ImageRunIT}.
 */
class PodLifeIT
{
    private static final Pattern EVENT = Pattern.compile("([a-z-]+)@(\\d+)");

    @RegisterExtension
    static final PodImage IMAGE = new PodImage("overlays/host-network");

    private static Rendered pod()
    {
        return IMAGE.pod();
    }

    @Test
    @Timeout(300)
    void shouldServeEveryClientThroughAReloadAndAStop() throws Exception
    {
        final VigilConf conf = pod().vigilConf();
        final String target = conf.firstListenerTarget();
        final String admin = conf.adminTarget();
        final Probe readiness = pod().vigil().getReadinessProbe();
        final long delayMs = TimeUnit.SECONDS.toMillis(conf.shutdownDelaySec());
        final long graceSec = pod().pod().getTerminationGracePeriodSeconds();
        try (PodRun run = PodRun.start(pod(), conf.text(), PodLifeIT::startKubelet))
        {
            final long startupBudgetMs = probeBudgetMs(pod().vigil().getStartupProbe());
            io.vigil.test.Await.until(() -> run.peer("kubelet").contains("ready@"),
                Duration.ofMillis(startupBudgetMs), () -> "the kubelet sees the pod ready: " + run.peer("kubelet"));

            // traffic: one long-lived session and clients coming and going
            assertEquals("ok hold", run.peer("hold " + target));
            assertEquals("ok load", run.peer("load " + target + " 2 16384 50"));
            awaitSessions(run, 20);

            // the ConfigMap is edited: the kubelet swaps ..data, Vigil reloads, the open sessions stay
            final String edited = conf.text().replace("so-keepalive = \"120:30:5\"", "so-keepalive = \"90:30:5\"");
            assertNotEquals(conf.text(), edited, "the ConfigMap's listener keepalive is 120:30:5");
            run.swapConfig(edited);
            run.awaitLog("reload (config file changed): generation ", Duration.ofSeconds(30));
            assertEquals("ok poke", run.peer("poke"), "the long-lived session survives the reload");
            assertEquals("ok 1.0", run.peer("metric " + admin +
                " /metrics vigil_config_reloads_total{result=\"success\"}"), run.logs());
            final String retuned = run.peer("metric " + admin + " /metrics vigil_keepalive_retuned_sockets_total");
            assertTrue(retuned.startsWith("ok ") && Double.parseDouble(retuned.substring(3)) >= 1,
                "the held session's socket got the new so-keepalive in place: " + retuned);
            awaitSessions(run, sessions(run) + 20);

            final long[] sigtermMs = {0};
            final long[] heldClosedAfterSigtermMs = {-1};
            final PodRun.Stop stop = run.stopLikeKubelet(
                () -> assertTrue(run.peer("kubelet").contains("ready=true"), "ready through preStop"),
                sigterm ->
                {
                    sigtermMs[0] = System.currentTimeMillis() -
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
                    io.vigil.test.Await.until(() -> run.peer("kubelet").contains("unready@"),
                        Duration.ofMillis(probeBudgetMs(readiness) + 2000), "the kubelet sees the pod not ready");
                    final long unreadyAfterMs = System.currentTimeMillis() - sigtermMs[0];
                    assertTrue(unreadyAfterMs < delayMs - 500, "not ready " + unreadyAfterMs + " ms after SIGTERM, " +
                        "too late for shutdown-delay (" + delayMs + " ms) to serve clients that had not noticed");
                    assertEquals("ok connect", run.peer("connect " + target), "still accepting in shutdown-delay");
                    assertEquals("ok poke", run.peer("poke"), "the long-lived session relays while Vigil drains");
                    io.vigil.test.Await.until(() -> System.currentTimeMillis() > sigtermMs[0] + delayMs + 500,
                        Duration.ofMillis(delayMs + 1000), "the end of shutdown-delay");
                    assertTrue(run.peer("connect " + target).startsWith("refused"), "listeners closed after the delay");
                    final String closed = run.peer("await-close " + TimeUnit.SECONDS.toMillis(graceSec));
                    assertTrue(closed.matches("ok closed \\d+"), "Vigil closes the long-lived session, cleanly (FIN, " +
                        "not a reset), at the end of shutdown-timeout: " + closed);
                    heldClosedAfterSigtermMs[0] = System.currentTimeMillis() - sigtermMs[0];
                });
            final String kubelet = run.peer("kubelet-stop");
            final List<Map.Entry<String, Long>> events = events(kubelet);
            final String load = run.peer("load-stop");
            System.out.println("pod life: " + stop + ", SIGTERM at " + sigtermMs[0] + "\nkubelet: " + kubelet +
                "\nclients: " + load + "\nlong-lived session closed " + heldClosedAfterSigtermMs[0] +
                " ms after SIGTERM\n" + run.logs());

            assertEquals(0, count(load, "failed"), "no client session failed: " + load);
            assertEquals(List.of("start", "started", "ready", "unready", "stop"),
                events.stream().map(Map.Entry::getKey).toList(), "the kubelet's view, in order: " + kubelet);
            final long unreadyMs = events.get(3).getValue();
            assertTrue(unreadyMs >= sigtermMs[0], "ready until SIGTERM: " + kubelet);
            assertTrue(count(load, "last-start") <= unreadyMs + 1000,
                "the clients stop opening sessions once the pod is not ready: " + load + "; " + kubelet);
            assertTrue(count(kubelet, "liveness-longest-failure-run") < pod().vigil().getLivenessProbe()
                .getFailureThreshold(), "liveness never failed enough to restart Vigil: " + kubelet);

            run.assertStoppedCleanly(stop, graceSec);
            final long drainMs = delayMs + TimeUnit.SECONDS.toMillis(conf.shutdownTimeoutSec());
            assertTrue(heldClosedAfterSigtermMs[0] >= drainMs - 1000 && heldClosedAfterSigtermMs[0] <= drainMs + 5000,
                "the long-lived session gets shutdown-delay + shutdown-timeout (" + drainMs + " ms), then is closed: " +
                heldClosedAfterSigtermMs[0] + " ms");
        }
    }

    /** The kubelet's probes of the container spec, on the pod's address; they start with the container. */
    private static void startKubelet(final PodRun run)
    {
        final var vigil = pod().vigil();
        final Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("startup", vigil.getStartupProbe());
        probes.put("readiness", vigil.getReadinessProbe());
        probes.put("liveness", vigil.getLivenessProbe());
        probes.forEach((kind, probe) -> assertEquals("ok probe " + kind, run.peer(String.join(" ", "probe", kind,
            "127.0.0.1:" + pod().containerPort(probe.getHttpGet().getPort()), probe.getHttpGet().getPath(),
            Long.toString(TimeUnit.SECONDS.toMillis(probe.getPeriodSeconds())),
            Long.toString(TimeUnit.SECONDS.toMillis(probe.getTimeoutSeconds())),
            Integer.toString(probe.getFailureThreshold())))));
        assertEquals("ok kubelet", run.peer("kubelet-start"));
    }

    /** @return how long the kubelet takes at most to act on a probe: failureThreshold periods and a timeout. */
    private static long probeBudgetMs(final Probe probe)
    {
        return TimeUnit.SECONDS.toMillis((long)probe.getPeriodSeconds() * probe.getFailureThreshold() +
            probe.getTimeoutSeconds());
    }

    private static void awaitSessions(final PodRun run, final int atLeast)
    {
        io.vigil.test.Await.until(() -> sessions(run) >= atLeast, Duration.ofSeconds(30),
            () -> atLeast + " client sessions: " + run.peer("load-report"));
        assertEquals(0, count(run.peer("load-report"), "failed"), run.peer("load-report"));
    }

    private static int sessions(final PodRun run)
    {
        return (int)count(run.peer("load-report"), "succeeded");
    }

    /** @return the number after " NAME=" in a peer's report. */
    private static long count(final String report, final String name)
    {
        final Matcher matcher = Pattern.compile(" " + name + "=(\\d+)").matcher(report);
        assertTrue(matcher.find(), "no " + name + " in " + report);
        return Long.parseLong(matcher.group(1));
    }

    /** @return the kubelet's events and their wall-clock times, in order. */
    private static List<Map.Entry<String, Long>> events(final String report)
    {
        final Matcher list = Pattern.compile(" events=(\\S+)").matcher(report);
        assertTrue(list.find(), report);
        final List<Map.Entry<String, Long>> events = new ArrayList<>();
        final Matcher event = EVENT.matcher(list.group(1));
        while (event.find())
        {
            events.add(Map.entry(event.group(1), Long.parseLong(event.group(2))));
        }
        return events;
    }
}
