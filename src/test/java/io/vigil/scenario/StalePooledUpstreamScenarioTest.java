package io.vigil.scenario;

import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@link StalePooledUpstreamScenario} in a private network namespace on the newer JDK under /usr/lib/jvm,
 * where the kernel enforces the upstream's user-timeout (TCP_USER_TIMEOUT through FFM), and on this JVM (Java 17),
 * where the write-stall timer gives the verdict on the request head the dead connection never takes. Needs root
 * (unshare -n, nft).
 */
class StalePooledUpstreamScenarioTest
{
    @BeforeAll
    static void requireRoot() throws Exception
    {
        final String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
            StandardCharsets.US_ASCII).trim();
        if (!"0".equals(uid))
        {
            System.out.println("SKIPPED stale pooled upstream scenario: it needs root for unshare -n and nft (uid " +
                uid + ")");
        }
        Assumptions.assumeTrue("0".equals(uid), "the stale pooled upstream scenario needs root (unshare -n, nft)");
    }

    @Test
    @Timeout(90)
    void shouldSendAGetAgainOnAFreshConnectionWhenTheKernelDeclaresThePooledOneDead() throws Exception
    {
        Assumptions.assumeTrue(new File(UserTimeoutScenariosTest.NEWER_JDK, "bin/java").canExecute(),
            "no JDK at " + UserTimeoutScenariosTest.NEWER_JDK);
        run(UserTimeoutScenariosTest.newerJdkCommand(StalePooledUpstreamScenario.class.getName()), "kernel");
    }

    @Test
    @Timeout(90)
    void shouldSendAGetAgainOnAFreshConnectionWhenTheWriteStallTimerDeclaresThePooledOneDead() throws Exception
    {
        assertTrue(Runtime.version().feature() < 22, "this run proves the Java 17 fallback; the build JDK is " +
            Runtime.version());
        run(VigilProcess.javaCommand(StalePooledUpstreamScenario.class.getName()), "write-stall");
    }

    private static void run(final List<String> java, final String mechanism) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("unshare", "-n", "--"));
        command.addAll(java);
        command.add(mechanism);
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output;
        try
        {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "scenario finished");
        }
        finally
        {
            process.destroyForcibly();
        }
        System.out.println("--- stale pooled upstream (" + mechanism + ")\n" + output);
        assertEquals(0, process.exitValue(), output);
    }
}
