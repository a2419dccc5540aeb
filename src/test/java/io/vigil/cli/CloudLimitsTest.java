package io.vigil.cli;

import io.vigil.config.ConfigLoader;
import io.vigil.net.KeepAlive;
import io.vigil.config.VigilConfig;
import io.vigil.test.TempFiles;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code check}'s cloud load balancer warning: a listener loses idle connections through a load balancer when its
 * first keepalive probe comes no sooner than the balancer's idle timeout and Vigil does not close idle connections
 * before it either.
 */
class CloudLimitsTest
{
    /** Linux's defaults: tcp_keepalive_time 7200, intvl 75, probes 9. */
    private static final KeepAlive KERNEL = new KeepAlive(KeepAlive.Mode.ON, 7200, 75, 9);

    private static VigilConfig listener(final String settings)
    {
        return ConfigLoader.parse("vigil { listeners = [ { name = public, listen = \"0.0.0.0:8443\", " +
            "upstream = b, " + settings + " } ], upstreams { b { servers = [\"127.0.0.1:9\"] } } }", "test");
    }

    private static List<String> warnings(final String settings)
    {
        return CloudLimits.warnings(listener(settings), KERNEL, CloudLimits.KNOWN);
    }

    @Test
    void shouldPassTheSeedsKubernetesKeepaliveBehindEveryKnownBalancer()
    {
        assertEquals(List.of(), warnings("so-keepalive = \"120:30:5\", proxy-timeout = 1h"));
    }

    @Test
    void shouldNameTheListenerItsIdleAndEveryLimitItMisses()
    {
        final List<String> warnings = warnings("so-keepalive = \"300:30:5\", proxy-timeout = 1h");
        assertEquals(1, warnings.size(), warnings.toString());
        final String warning = warnings.get(0);
        assertTrue(warning.startsWith("listener public: so-keepalive 300:30:5 sends its first probe after 300 s idle"),
            warning);
        assertTrue(warning.contains("Azure Load Balancer (240 s)"), warning);
        assertTrue(!warning.contains("(350 s)") && !warning.contains("(600 s)"), "300 s fits AWS and GCP: " + warning);
        assertTrue(warning.contains("set so-keepalive idle below 240 s"), warning);
    }

    @Test
    void shouldCountAProbeAtTheTimeoutItselfAsTooLate()
    {
        final String warning = warnings("so-keepalive = \"240:30:5\", proxy-timeout = 1h").get(0);
        assertTrue(warning.contains("(240 s)") && !warning.contains("(350 s)"), warning);
    }

    @Test
    void shouldWarnWhenNoProbesAreSentAtAll()
    {
        for (final String keepAlive : List.of("default", "off"))
        {
            final String warning = warnings("so-keepalive = " + keepAlive + ", proxy-timeout = 1h").get(0);
            assertTrue(warning.contains("so-keepalive " + keepAlive + " sends no keepalive probes"), warning);
            assertTrue(warning.contains("(240 s)") && warning.contains("(350 s)") && warning.contains("(600 s)"),
                warning);
        }
    }

    @Test
    void shouldFillEmptyFieldsFromTheKernel()
    {
        assertTrue(warnings("so-keepalive = on, proxy-timeout = 1h").get(0).contains("after 7200 s idle"));
        assertTrue(warnings("so-keepalive = \"::3\", proxy-timeout = 1h").get(0).contains("after 7200 s idle"));
        final KeepAlive tunedKernel = new KeepAlive(KeepAlive.Mode.ON, 60, 10, 3);
        assertEquals(List.of(), CloudLimits.warnings(listener("so-keepalive = on, proxy-timeout = 1h"), tunedKernel,
            CloudLimits.KNOWN));
    }

    @Test
    void shouldNotWarnWhenVigilClosesIdleConnectionsFirst()
    {
        assertEquals(List.of(), warnings("so-keepalive = off, proxy-timeout = 239s"));
        final String warning = warnings("so-keepalive = off, proxy-timeout = 300s").get(0);
        assertTrue(warning.contains("only after 300 s") && warning.contains("(240 s)") &&
            !warning.contains("(350 s)"), warning);
    }

    @Test
    void shouldUseTheLongerOfKeepaliveTimeoutAndProxyTimeoutInHttpMode()
    {
        // between requests keepalive-timeout applies, after an Upgrade (WebSocket) proxy-timeout
        assertEquals(List.of(), warnings("mode = http, keepalive-timeout = 75s, proxy-timeout = 200s"));
        assertTrue(warnings("mode = http, keepalive-timeout = 75s, proxy-timeout = 10m").get(0)
            .contains("only after 600 s"));
        assertTrue(warnings("mode = http, keepalive-timeout = 5m, proxy-timeout = 200s").get(0)
            .contains("only after 300 s"));
    }

    @Test
    void shouldNotWarnAboutLoopbackListeners()
    {
        final VigilConfig config = ConfigLoader.parse("vigil { listeners = [ { name = local, listen = " +
            "\"127.0.0.1:8443\", upstream = b, proxy-timeout = 1h } ], " +
            "upstreams { b { servers = [\"127.0.0.1:9\"] } } }",
            "test");
        assertEquals(List.of(), CloudLimits.warnings(config, KERNEL, CloudLimits.KNOWN));
    }

    @Test
    void shouldTakeAKnownBalancerOrAnyTimeout()
    {
        assertEquals(350, CloudLimits.parse("aws-nlb").idleTimeoutSec());
        assertEquals(240, CloudLimits.parse("azure-lb").idleTimeoutSec());
        assertEquals(600, CloudLimits.parse("gcp").idleTimeoutSec());
        assertEquals(100, CloudLimits.parse("100s").idleTimeoutSec());
        assertEquals(3600, CloudLimits.parse("1h").idleTimeoutSec());
        assertThrows(IllegalArgumentException.class, () -> CloudLimits.parse("aws"));
        assertThrows(IllegalArgumentException.class, () -> CloudLimits.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> CloudLimits.parse(""));

        final List<String> warnings = CloudLimits.warnings(listener("so-keepalive = \"120:30:5\", proxy-timeout = 1h"),
            KERNEL, List.of(CloudLimits.parse("100s")));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("(100 s)") && warnings.get(0).contains("below 100 s"), warnings.get(0));
    }

    @Test
    void shouldWarnFromTheCheckCommandAndRefuseABadTimeout() throws Exception
    {
        final String file = TempFiles.write("cloud-limits", ".conf", "vigil { listeners = [ { name = public, " +
            "listen = " +
            "\"0.0.0.0:8443\", upstream = b, so-keepalive = \"300:30:5\", proxy-timeout = 1h } ], " +
            "upstreams { b { servers = [\"127.0.0.1:9\"] } } }").getPath();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        final PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);

        assertEquals(0, Vigil.execute(new String[] {"check", "-c", file}, o, e));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("WARN listener public: so-keepalive 300:30:5"),
            out::toString);
        out.reset();
        assertEquals(0, Vigil.execute(new String[] {"check", "-c", file, "--lb-idle-timeout", "aws-nlb"}, o, e));
        assertTrue(!out.toString(StandardCharsets.UTF_8).contains("WARN"), "300 s fits AWS NLB: " + out);
        assertEquals(2, Vigil.execute(new String[] {"check", "-c", file, "--lb-idle-timeout", "soon"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--lb-idle-timeout \"soon\""), err::toString);
    }
}
