package io.vigil.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image runs as the host-network overlay runs it ({@link PodRun}: podman and runc, the manifest's user, read-only
 * root, no capabilities, memory limit, ConfigMap directory), proxies real traffic, and stops as the kubelet stops it:
 * preStop, SIGTERM, readiness 503 at once while liveness stays 200, exit 0 within the grace period, open sessions
 * drained rather than cut. Needs root (network namespaces, podman); skipped without it, saying why (bin/test fails
 * if it was skipped).
 */
class ImageRunIT
{
    @RegisterExtension
    static final PodImage IMAGE = new PodImage("overlays/host-network");

    private static Rendered pod()
    {
        return IMAGE.pod();
    }

    @Test
    void shouldLoadIntoPodmanAsTheImageTheDaemonSetRuns()
    {
        assertTrue(IMAGE.loaded().contains("Loaded image: " + pod().vigil().getImage()), IMAGE.loaded());
    }

    @Test
    @Timeout(180)
    void shouldProxyTrafficThenDrainAndExitZeroWithinTheGracePeriod() throws Exception
    {
        // without shutdown-delay, new connections are refused right after SIGTERM (the delay has its own test)
        final VigilConf conf = new VigilConf(pod().vigilConf().without("vigil.shutdown-delay"),
            "ConfigMap without shutdown-delay");
        final String target = conf.firstListenerTarget();
        final String admin = conf.adminTarget();
        final long graceSec = pod().pod().getTerminationGracePeriodSeconds();
        try (PodRun run = PodRun.start(pod(), conf.text()))
        {
            // the kubelet's probes and Prometheus, on the pod's network
            assertEquals("ok 200", run.peer("http " + admin + " " + probePath("startup")));
            assertEquals("ok 200", run.peer("http " + admin + " " + probePath("readiness")));
            assertEquals("ok echo 20 x 65536", run.peer("echo " + target + " 20 65536"), run.logs());
            assertEquals("ok hold", run.peer("hold " + target));
            Await.accessLogLines(run, 20);
            final String metrics = run.peer("metric " + admin + " /metrics " +
                "vigil_listener_connections_accepted_total{listener=\"public\"}");
            assertEquals("ok 21.0", metrics, "20 echoed sessions and the held one, scraped from the pod");

            final long[] closedAfterSigtermMs = {-1};
            final PodRun.Stop stop = run.stopLikeKubelet(
                () ->
                {
                    assertEquals("ok connect", run.peer("connect " + target), "serving during preStop");
                    assertEquals("ok 200", run.peer("http " + admin + " " + probePath("readiness")),
                        "ready until SIGTERM");
                },
                sigterm ->
                {
                    io.vigil.test.Await.until(
                        () -> "ok 503".equals(run.peer("http " + admin + " " + probePath("readiness"))),
                        Duration.ofSeconds(1), "the readiness probe fails within a second of SIGTERM");
                    assertEquals("ok 200", run.peer("http " + admin + " " + probePath("liveness")),
                        "alive while draining: a failing liveness probe would restart the container mid-drain");
                    run.awaitLog("vigil: stopping", Duration.ofSeconds(10));
                    assertEquals("ok poke", run.peer("poke"), "an open session keeps relaying while Vigil drains");
                    if (conf.shutdownDelaySec() == 0)
                    {
                        assertTrue(run.peer("connect " + target).startsWith("refused"),
                            "no new sessions once stopping");
                    }
                    final String closed = run.peer("await-close " + TimeUnit.SECONDS.toMillis(graceSec));
                    assertTrue(closed.startsWith("ok closed"), "Vigil closes what is left: " + closed);
                    closedAfterSigtermMs[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
                });
            System.out.println("pod stop: " + stop + "; held session closed " + closedAfterSigtermMs[0] +
                " ms after SIGTERM\n" + run.logs());
            run.assertStoppedCleanly(stop, graceSec);
            assertTrue(stop.sinceDeletion().toSeconds() < graceSec, stop.toString());
            final long timeoutMs = TimeUnit.SECONDS.toMillis(conf.shutdownTimeoutSec());
            assertTrue(closedAfterSigtermMs[0] >= timeoutMs - 1000 && closedAfterSigtermMs[0] <= timeoutMs + 5000,
                "the held session is given shutdown-timeout (" + timeoutMs + " ms), then closed: " +
                closedAfterSigtermMs[0] + " ms");
        }
    }

    /** @return the path of the manifest's startup, readiness or liveness probe. */
    private static String probePath(final String which)
    {
        final var vigil = pod().vigil();
        final var probe = "startup".equals(which) ? vigil.getStartupProbe() :
            "readiness".equals(which) ? vigil.getReadinessProbe() : vigil.getLivenessProbe();
        return probe.getHttpGet().getPath();
    }

    @Test
    void shouldSizeTheHeapFromTheDaemonSetsMemoryLimit() throws Exception
    {
        final String flags = PodRun.runOnce(pod(), List.of("--env", "JAVA_TOOL_OPTIONS=-XX:+PrintFlagsFinal"),
            "--version");
        final Matcher heap = Pattern.compile("size_t MaxHeapSize\\s+=\\s+(\\d+)").matcher(flags);
        assertTrue(heap.find(), flags);
        double percent = -1;
        for (final String line : Files.readAllLines(Paths.get("deploy", "image", "jvm.options")))
        {
            if (line.startsWith("-XX:MaxRAMPercentage="))
            {
                percent = Double.parseDouble(line.substring("-XX:MaxRAMPercentage=".length()));
            }
        }
        final long limit = PodRun.memoryLimitBytes(pod());
        final long expected = (long)(limit * percent / 100);
        final long actual = Long.parseLong(heap.group(1));
        System.out.printf("memory limit %d MiB: max heap %d MiB (%.1f%%)%n", limit >> 20, actual >> 20,
            100.0 * actual / limit);
        assertTrue(Math.abs(actual - expected) <= 4L << 20, "max heap " + actual + " for a " + limit +
            " byte limit; expected about " + expected + " (MaxRAMPercentage " + percent + ")");
    }

    @Test
    void shouldStartFromTheAotCacheItShips()
    {
        // AOTMode=on fails instead of falling back when the cache does not match this runtime, jar and flags
        final String out = PodRun.runOnce(pod(), List.of("--env", "JAVA_TOOL_OPTIONS=-XX:AOTMode=on"), "--version");
        assertTrue(out.contains("vigil "), out);
    }

    /**
     * Every class of Vigil's that a proxied session loads comes from the AOT cache the image ships: none is parsed
     * from the jar at start (JDK 25 refuses, with only a warning at build time, classes found only under
     * META-INF/versions of a multi-release jar: the kernel socket layer was one; and a class the build's training run
     * never loaded, like the relay's, is not in it). The image's own entrypoint, with class-load logging after its
     * flags.
     */
    @Test
    @Timeout(120)
    void shouldLoadVigilsClassesFromTheAotCache() throws Exception
    {
        final VigilConf conf = pod().vigilConf();
        final var vigil = pod().vigil();
        final List<String> entrypoint = new java.util.ArrayList<>(List.of(PodRun.podman("image", "inspect",
            "--format", "{{range .Config.Entrypoint}}{{println .}}{{end}}", vigil.getImage()).strip().split("\n")));
        entrypoint.add(entrypoint.indexOf("-jar"), "-Xlog:class+load=info:stdout");
        final List<String> command = vigil.getCommand();
        vigil.setCommand(entrypoint);
        try (PodRun run = PodRun.start(pod(), conf.text()))
        {
            assertEquals("ok echo 2 x 1024", run.peer("echo " + conf.firstListenerTarget() + " 2 1024"), run.logs());
            final List<String> vigilClasses = run.logs().lines()
                .filter(line -> line.contains("[class,load] io.vigil.")).toList();
            // lambdas whose call site the build's training run did not reach are spun at run time: counted, allowed
            final List<String> parsed = vigilClasses.stream()
                .filter(line -> !line.contains("source: shared objects file") && !line.contains("$$Lambda")).toList();
            System.out.println(vigilClasses.size() + " Vigil classes loaded, not from the AOT cache: " + parsed);
            assertTrue(vigilClasses.stream().anyMatch(line -> line.contains("io.vigil.net.")),
                "the session's classes were logged:\n" + run.logs());
            assertEquals(List.of(), parsed, "Vigil classes parsed from the jar, not taken from the AOT cache");
        }
        finally
        {
            vigil.setCommand(command);
        }
    }

    /**
     * The ConfigMap's config as shipped; after SIGTERM, new connections are still accepted for shutdown-delay
     * while /readyz answers 503, and refused after it.
     */
    @Test
    @Timeout(180)
    void shouldKeepAcceptingForTheShutdownDelayWhileNotReady() throws Exception
    {
        final VigilConf conf = pod().vigilConf();
        final String target = conf.firstListenerTarget();
        final String admin = conf.adminTarget();
        assertTrue(conf.shutdownDelaySec() > 0, "the ConfigMap sets a shutdown-delay");
        try (PodRun run = PodRun.start(pod(), conf.text()))
        {
            final PodRun.Stop stop = run.stopLikeKubelet(null, sigterm ->
            {
                io.vigil.test.Await.until(() -> "ok 503".equals(run.peer("http " + admin + " /readyz")),
                    Duration.ofSeconds(1), "/readyz 503 within a second of SIGTERM");
                assertEquals("ok connect", run.peer("connect " + target), "accepting during shutdown-delay");
                final long delayEnds = sigterm + TimeUnit.SECONDS.toNanos(conf.shutdownDelaySec()) +
                    TimeUnit.MILLISECONDS.toNanos(500);
                io.vigil.test.Await.until(() -> System.nanoTime() > delayEnds,
                    Duration.ofSeconds(conf.shutdownDelaySec() + 1), "the shutdown delay to pass");
                assertTrue(run.peer("connect " + target).startsWith("refused"), "no new sessions after the delay");
            });
            assertFalse(stop.killed(), run.logs());
            assertEquals(0, stop.exitCode(), run.logs());
        }
    }

    /** Polls the container's access log. */
    private static final class Await
    {
        static void accessLogLines(final PodRun run, final int atLeast)
        {
            io.vigil.test.Await.until(() -> run.logs().split("listener=", -1).length - 1 >= atLeast,
                Duration.ofSeconds(10), atLeast + " access-log lines: the sessions went through Vigil");
        }
    }
}
