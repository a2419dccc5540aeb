package io.vigil.scenario;

import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
        ScenarioProcess.requireRoot("http user-timeout scenarios");
    }

    @ParameterizedTest
    @EnumSource(HttpUserTimeoutScenarios.Scenario.class)
    @Timeout(90)
    void shouldEndTheStalledSideWithinUserTimeoutOnThisJdk(final HttpUserTimeoutScenarios.Scenario scenario)
        throws Exception
    {
        assertTrue(Runtime.version().feature() < 22, "this run proves the Java 17 fallback; the build JDK is " +
            Runtime.version());
        run(VigilProcess.javaCommand(HttpUserTimeoutScenarios.class.getName()), scenario, "write-stall");
    }

    @ParameterizedTest
    @EnumSource(HttpUserTimeoutScenarios.Scenario.class)
    @Timeout(90)
    void shouldEndTheStalledSideWithinUserTimeoutOnTheNewerJdk(final HttpUserTimeoutScenarios.Scenario scenario)
        throws Exception
    {
        ScenarioProcess.requireNewerJdk();
        run(ScenarioProcess.newerJdkCommand(HttpUserTimeoutScenarios.class.getName()), scenario, "kernel");
    }

    private static void run(final List<String> java, final HttpUserTimeoutScenarios.Scenario scenario,
        final String mechanism) throws Exception
    {
        ScenarioProcess.runInPrivateNetns(java, List.of(scenario.name(), mechanism), Map.of(),
            "http " + scenario + " (" + mechanism + ")");
    }
}
