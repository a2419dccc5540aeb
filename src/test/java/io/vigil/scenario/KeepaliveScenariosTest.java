package io.vigil.scenario;

import io.vigil.test.PrivateNetns;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.concurrent.TimeUnit;

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
        PrivateNetns.requireRoot("keepalive scenarios");
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
        PrivateNetns.run(VigilProcess.javaCommand(KeepaliveScenarios.class.getName()),
            List.of(scenario.name()), KeepaliveScenarios.environment(scenario), scenario.toString());
    }
}
