package io.vigil.rig;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.vigil.test.TempFiles;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dead-peer lab end to end, with Vigil as the proxy under test (so-keepalive 1:1:2 on the side that dies):
 * every connection's other side is closed within idle + intvl x cnt + 1 s, as the lab reports. Needs root.
 */
class DeadPeerLabTest
{
    @TempDir
    Path out;

    @BeforeAll
    static void requireRoot() throws Exception
    {
        final String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
            StandardCharsets.US_ASCII).trim();
        Assumptions.assumeTrue("0".equals(uid), "the dead-peer lab needs root (unshare -n, nft)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"client", "upstream"})
    @Timeout(60)
    void labTimesVigilClosingTheOtherSide(final String dead) throws Exception
    {
        final boolean client = dead.equals("client");
        final File config = TempFiles.write("vigil-lab", ".conf", "vigil { event-loops = 1, listeners = [{ " +
            "name = lab, listen = \"127.0.0.1:8000\", upstream = echo, so-keepalive = \"" +
            (client ? "1:1:2" : "default") + "\" }], upstreams { echo { servers = [\"127.0.0.3:9000\"], " +
            "so-keepalive = \"" + (client ? "default" : "1:1:2") + "\" } } }");
        final String proxyCommand = String.join(" ", VigilProcess.javaCommand("io.vigil.cli.Vigil")) + " run -c " +
            config.getPath();
        final List<String> command = new ArrayList<>(List.of("unshare", "-n", "--"));
        command.addAll(VigilProcess.javaCommand(VigilBench.class.getName()));
        command.addAll(List.of("deadpeer", "--proxy-cmd", proxyCommand, "--dead", dead, "--connections", "5",
            "--budget", "4s", "--wait", "20s", "--out", out.toString()));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("VIGIL_BENCH_NETNS", "1"); // unshare -n has made the namespace already
        final Process lab = builder.start();
        final String output = new String(lab.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(lab.waitFor(50, TimeUnit.SECONDS), output);
        System.out.println(output);
        assertEquals(0, lab.exitValue(), output);
        assertTrue(output.contains("closed 5 of 5"), output);

        final Config report = ConfigFactory.parseFile(out.resolve("deadpeer.json").toFile(),
            ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
        assertEquals(dead, report.getString("dead"));
        assertEquals(5, report.getInt("closed"));
        assertTrue(report.getBoolean("within_budget"));
        for (final Number ms : report.getNumberList("closed_after_ms"))
        {
            // the kernel cannot decide before idle + intvl x (cnt - 1) = 2 s
            assertTrue(ms.longValue() >= 2000 && ms.longValue() <= 4000, "closed after " + ms + " ms");
        }
    }
}
