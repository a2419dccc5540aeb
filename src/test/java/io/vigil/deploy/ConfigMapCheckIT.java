package io.vigil.deploy;

import io.vigil.cli.CloudLimits;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vigil check} (the built jar, started with {@code java -jar} as the image starts it) accepts the vigil.conf
 * each overlay ships, with cluster DNS names answered from a hosts file as the cluster's DNS would answer them.
 */
class ConfigMapCheckIT
{
    static Stream<String> overlays()
    {
        return Kustomize.OVERLAYS.stream();
    }

    /**
     * The ConfigMap's config exactly as shipped passes check, behind no known cloud load balancer warns, and fits the
     * DaemonSet's termination grace with its preStop sleep.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void shouldPassVigilCheckAsShipped(final String overlay) throws Exception
    {
        final Rendered rendered = Rendered.overlay(overlay);
        final String conf = rendered.vigilConf().text();
        final String out = check(overlay, conf, List.of());
        assertTrue(out.contains(": OK ("), out);
        final String grace = rendered.pod().getTerminationGracePeriodSeconds() + "s";
        final String preStop = rendered.vigil().getLifecycle().getPreStop().getSleep().getSeconds() + "s";
        final String stop = check(overlay, conf, List.of("--termination-grace", grace, "--pre-stop", preStop));
        assertFalse(stop.contains("WARN"), overlay + ": check --termination-grace " + grace + " --pre-stop " + preStop +
            ":\n" + stop);
        assertTrue(stop.contains("stop: on SIGTERM readiness fails; accepting for shutdown-delay"), stop);
        // the same config in a pod with Kubernetes' default grace (30 s) would be killed mid-drain, and check says so
        final String killed = check(overlay, conf, List.of("--termination-grace", "30s", "--pre-stop", preStop));
        assertTrue(killed.contains("WARN terminationGracePeriodSeconds 30 s"), overlay + ": no warning for a 30 s " +
            "grace:\n" + killed);
        for (final CloudLimits.LoadBalancer loadBalancer : CloudLimits.KNOWN)
        {
            assertFalse(check(overlay, conf, List.of("--lb-idle-timeout", loadBalancer.key())).contains("WARN"),
                overlay + " behind " + loadBalancer.name());
        }
    }

    private static String check(final String overlay, final String config, final List<String> options)
        throws IOException, InterruptedException
    {
        final Path dir = Paths.get("target", "configmap-check", overlay.replace('/', '-')).toAbsolutePath();
        Files.createDirectories(dir);
        final Path file = dir.resolve("vigil.conf");
        Files.writeString(file, config);
        final StringBuilder hosts = new StringBuilder();
        for (final Map.Entry<String, Integer> server : new VigilConf(config, overlay).upstreamServers())
        {
            hosts.append("127.0.0.1 ").append(server.getKey()).append('\n');
        }
        final Path hostsFile = dir.resolve("hosts");
        Files.writeString(hostsFile, hosts.toString());

        final List<String> command = new ArrayList<>(List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "-Djdk.net.hosts.file=" + hostsFile, "-jar", Paths.get("target", "vigil.jar").toString(),
            "check", "-c", file.toString()));
        command.addAll(options);
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "check finished");
        assertEquals(0, process.exitValue(), overlay + ": vigil check " + file + " " + options + ":\n" + out);
        return out;
    }
}
