package io.vigil.scenario;

import io.vigil.test.PrivateNetns;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

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
        PrivateNetns.requireRoot("the stale pooled upstream scenario");
    }

    @Test
    @Timeout(90)
    void shouldSendAGetAgainOnAFreshConnectionWhenTheKernelDeclaresThePooledOneDead() throws Exception
    {
        ScenarioProcess.runWithKernel(StalePooledUpstreamScenario.class, List.of(), "stale pooled upstream");
    }

    @Test
    @Timeout(90)
    void shouldSendAGetAgainOnAFreshConnectionWhenTheWriteStallTimerDeclaresThePooledOneDead() throws Exception
    {
        ScenarioProcess.runWithWriteStall(StalePooledUpstreamScenario.class, List.of(), "stale pooled upstream");
    }
}
