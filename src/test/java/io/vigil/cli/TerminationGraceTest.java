package io.vigil.cli;

import io.vigil.config.ConfigLoader;
import io.vigil.config.VigilConfig;
import io.vigil.net.KeepAlive;
import io.vigil.test.TempFiles;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code check --termination-grace}: a warning when the pod's grace cannot cover preStop + shutdown-delay +
 * shutdown-timeout + the exit, and none for a dead-peer detection longer than the grace (the drain closes those
 * sessions at shutdown-timeout anyway), which {@code check} states instead.
 */
class TerminationGraceTest
{
    /** Linux's defaults: tcp_keepalive_time 7200, intvl 75, probes 9. */
    private static final KeepAlive KERNEL = new KeepAlive(KeepAlive.Mode.ON, 7200, 75, 9);
    /** The DaemonSet's stop: shutdown-delay 5 s, shutdown-timeout 20 s, the seed's keepalive. */
    private static final String SHIPPED = "shutdown-delay = 5s, shutdown-timeout = 20s";

    private static VigilConfig config(final String stop, final String keepAlive)
    {
        return ConfigLoader.parse("vigil { " + stop + ", listeners = [ { name = public, listen = \"0.0.0.0:8443\", " +
            "upstream = b, so-keepalive = \"" + keepAlive + "\" } ], upstreams { b { servers = [\"127.0.0.1:9\"] } } }",
            "test");
    }

    @Test
    void shouldNotWarnWhenTheGraceCoversTheStop()
    {
        // the manifests: preStop 5 + delay 5 + timeout 20 + 5 to exit = 35 <= 40
        final VigilConfig config = config(SHIPPED, "120:30:5");
        assertEquals(List.of(), TerminationGrace.warnings(config, new TerminationGrace.Pod(40, 5)));
        assertEquals(List.of(), TerminationGrace.warnings(config, new TerminationGrace.Pod(35, 5)), "exactly enough");
    }

    @Test
    void shouldWarnWithEachTermWhenTheKubeletWouldKillFirst()
    {
        final List<String> warnings = TerminationGrace.warnings(config(SHIPPED, "120:30:5"),
            new TerminationGrace.Pod(34, 5));
        assertEquals(1, warnings.size(), warnings.toString());
        final String warning = warnings.get(0);
        assertTrue(warning.startsWith("terminationGracePeriodSeconds 34 s is shorter than the stop: preStop 5 s + " +
            "shutdown-delay 5 s + shutdown-timeout 20 s + 5 s to exit = 35 s"), warning);
        assertTrue(warning.contains("exit 137") && warning.contains("at least 35"), warning);
        // Kubernetes' default grace (30 s) and no preStop: Vigil's own default stop fits
        assertEquals(List.of(), TerminationGrace.warnings(config("shutdown-timeout = 10s", "120:30:5"),
            new TerminationGrace.Pod(30, 0)));
    }

    @Test
    void shouldRoundPartSecondsUp()
    {
        final VigilConfig config = config("shutdown-delay = 500ms, shutdown-timeout = 1500ms", "120:30:5");
        assertEquals(0 + 1 + 2 + TerminationGrace.EXIT_MARGIN_SEC, TerminationGrace.neededSec(config, 0));
    }

    @Test
    void shouldNotWarnThatDeadPeerDetectionOutlastsTheGraceButSayWhatTheStopDoes()
    {
        // 120 + 30 x 5 = 270 s, far past a 40 s grace: the drain closes those sessions at shutdown-timeout anyway
        final VigilConfig seed = config(SHIPPED, "120:30:5");
        assertEquals(List.of(), TerminationGrace.warnings(seed, new TerminationGrace.Pod(40, 5)));
        final String line = TerminationGrace.drainLine(seed, KERNEL);
        assertTrue(line.startsWith("stop: on SIGTERM readiness fails; accepting for shutdown-delay 5 s, then open " +
            "sessions get shutdown-timeout 20 s: the last is closed 25 s after SIGTERM"), line);
        assertTrue(line.contains("sessions whose peer vanished are closed then too, not left to so-keepalive's " +
            "dead-peer detection (public 270 s)"), line);
        final String fast = TerminationGrace.drainLine(config(SHIPPED, "10:5:2"), KERNEL);
        assertFalse(fast.contains("vanished"), "20 s detection ends before the drain does: " + fast);
    }

    @Test
    void shouldCheckFromTheCommandLineAndRefuseBadOptions() throws Exception
    {
        final String file = TempFiles.write("termination-grace", ".conf", "vigil { " + SHIPPED + ", listeners = [ " +
            "{ name = public, listen = \"127.0.0.1:8443\", upstream = b, so-keepalive = \"120:30:5\" } ], " +
            "upstreams { b { servers = [\"127.0.0.1:9\"] } } }").getPath();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        final PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);

        assertEquals(0, Vigil.execute(new String[] {"check", "-c", file, "--termination-grace", "30s",
            "--pre-stop", "5s"}, o, e));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("WARN terminationGracePeriodSeconds 30 s"),
            out::toString);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("stop: on SIGTERM"), out::toString);
        out.reset();
        assertEquals(0, Vigil.execute(new String[] {"check", "-c", file, "--termination-grace", "40"}, o, e));
        assertFalse(out.toString(StandardCharsets.UTF_8).contains("WARN"), out::toString);
        assertEquals(2, Vigil.execute(new String[] {"check", "-c", file, "--pre-stop", "5s"}, o, e));
        assertEquals(2, Vigil.execute(new String[] {"check", "-c", file, "--termination-grace", "soon"}, o, e));
        assertEquals(2, Vigil.execute(new String[] {"check", "-c", file, "--termination-grace", "0"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--termination-grace \"soon\""), err::toString);
        assertThrows(IllegalArgumentException.class, () -> TerminationGrace.parse("40s", "later"));
        assertEquals(new TerminationGrace.Pod(60, 5), TerminationGrace.parse("1m", "5"));
    }
}
