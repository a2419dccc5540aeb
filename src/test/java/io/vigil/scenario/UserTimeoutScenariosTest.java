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
 * Runs each {@link UserTimeoutScenarios} scenario in a private network namespace twice: on this JVM (Java 17:
 * the write-stall timer) and on the newer JDK under /usr/lib/jvm with the multi-release classes for Java 22
 * first on the class path, as the jar would load them (the kernel's TCP_USER_TIMEOUT). Needs root, like
 * {@link KeepaliveScenariosTest}; the newer JDK run needs that JDK and the classes the build compiles with it.
 */
class UserTimeoutScenariosTest
{
    @BeforeAll
    static void requireRoot() throws Exception
    {
        ScenarioProcess.requireRoot("user-timeout scenarios");
    }

    @ParameterizedTest
    @EnumSource(UserTimeoutScenarios.Scenario.class)
    @Timeout(90)
    void shouldCloseBothLegsWithinUserTimeoutOnThisJdk(final UserTimeoutScenarios.Scenario scenario)
        throws Exception
    {
        assertTrue(Runtime.version().feature() < 22, "this run proves the Java 17 fallback; the build JDK is " +
            Runtime.version());
        run(VigilProcess.javaCommand(UserTimeoutScenarios.class.getName()), scenario, "write-stall");
    }

    @ParameterizedTest
    @EnumSource(UserTimeoutScenarios.Scenario.class)
    @Timeout(90)
    void shouldCloseBothLegsWithinUserTimeoutOnTheNewerJdk(final UserTimeoutScenarios.Scenario scenario)
        throws Exception
    {
        ScenarioProcess.requireNewerJdk();
        run(ScenarioProcess.newerJdkCommand(UserTimeoutScenarios.class.getName()), scenario, "kernel");
    }

    private static void run(final List<String> java, final UserTimeoutScenarios.Scenario scenario,
        final String mechanism) throws Exception
    {
        ScenarioProcess.runInPrivateNetns(java, List.of(scenario.name(), mechanism), Map.of(),
            scenario + " (" + mechanism + ")");
    }
}
