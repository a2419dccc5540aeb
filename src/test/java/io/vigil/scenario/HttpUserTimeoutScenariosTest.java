package io.vigil.scenario;

import io.vigil.test.PrivateNetns;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

/**
 * Runs each {@link HttpUserTimeoutScenarios} scenario in a private network namespace on this JVM (Java 17: the
 * write-stall timer) and on the newer JDK under /usr/lib/jvm (the kernel's TCP_USER_TIMEOUT), as
 * {@link UserTimeoutScenariosTest} does for tcp listeners. Needs root (unshare -n, nft).
 */
class HttpUserTimeoutScenariosTest
{
    @BeforeAll
    static void requireRoot() throws Exception
    {
        PrivateNetns.requireRoot("http user-timeout scenarios");
    }

    @ParameterizedTest
    @EnumSource(HttpUserTimeoutScenarios.Scenario.class)
    @Timeout(90)
    void shouldEndTheStalledSideWithinUserTimeoutOnThisJdk(final HttpUserTimeoutScenarios.Scenario scenario)
        throws Exception
    {
        ScenarioProcess.runWithWriteStall(HttpUserTimeoutScenarios.class, List.of(scenario.name()), "http " + scenario);
    }

    @ParameterizedTest
    @EnumSource(HttpUserTimeoutScenarios.Scenario.class)
    @Timeout(90)
    void shouldEndTheStalledSideWithinUserTimeoutOnTheNewerJdk(final HttpUserTimeoutScenarios.Scenario scenario)
        throws Exception
    {
        ScenarioProcess.runWithKernel(HttpUserTimeoutScenarios.class, List.of(scenario.name()), "http " + scenario);
    }
}
