package io.vigil.scenario;

import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs each {@link KeepaliveScenarios} scenario in its own private network namespace ({@code unshare -n}), where
 * nft can drop a peer's packets. Needs root; without it the scenarios are skipped, saying why (CI runs as root and
 * fails if they were skipped). Missing tools are a failure, not a skip.
 */
class KeepaliveScenariosTest
{
    @BeforeAll
    static void requireRootAndTools() throws Exception
    {
        final String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
            StandardCharsets.US_ASCII).trim();
        if (!"0".equals(uid))
        {
            System.out.println("SKIPPED keepalive scenarios: they need root for unshare -n and nft (uid " + uid + ")");
        }
        Assumptions.assumeTrue("0".equals(uid), "keepalive scenarios need root (unshare -n, nft); uid is " + uid);
        for (final String tool : List.of("unshare", "nft", "ip", "ss"))
        {
            final Process which = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
            assertTrue(which.waitFor(5, TimeUnit.SECONDS) && which.exitValue() == 0,
                tool + " is missing: apt-get install nftables iproute2 util-linux");
        }
    }

    @ParameterizedTest
    @EnumSource(KeepaliveScenarios.Scenario.class)
    @Timeout(90)
    void shouldHoldInAPrivateNetworkNamespace(final KeepaliveScenarios.Scenario scenario) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("unshare", "-n", "--"));
        command.addAll(VigilProcess.javaCommand(KeepaliveScenarios.class.getName()));
        command.add(scenario.name());
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        KeepaliveScenarios.environment(scenario).forEach((name, value) ->
        {
            if (value == null)
            {
                builder.environment().remove(name);
            }
            else
            {
                builder.environment().put(name, value);
            }
        });
        final Process process = builder.start();
        final String output;
        try
        {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "scenario finished");
        }
        catch (final IOException ex)
        {
            process.destroyForcibly();
            throw ex;
        }
        finally
        {
            process.destroyForcibly();
        }
        System.out.println("--- " + scenario + "\n" + output);
        assertEquals(0, process.exitValue(), output);
    }
}
