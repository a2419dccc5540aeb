package io.vigil.scenario;

import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

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
        ScenarioProcess.requireRoot("the stale pooled upstream scenario");
    }

    @Test
    @Timeout(90)
    void shouldSendAGetAgainOnAFreshConnectionWhenTheKernelDeclaresThePooledOneDead() throws Exception
    {
        ScenarioProcess.requireNewerJdk();
        run(ScenarioProcess.newerJdkCommand(StalePooledUpstreamScenario.class.getName()), "kernel");
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
        ScenarioProcess.runInPrivateNetns(java, List.of(mechanism), Map.of(),
            "stale pooled upstream (" + mechanism + ")");
    }
}
