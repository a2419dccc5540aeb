package io.vigil.scenario;

import io.vigil.test.PrivateNetns;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

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
        PrivateNetns.requireRoot("user-timeout scenarios");
    }

    @ParameterizedTest
    @EnumSource(UserTimeoutScenarios.Scenario.class)
    @Timeout(90)
    void shouldCloseBothLegsWithinUserTimeoutOnThisJdk(final UserTimeoutScenarios.Scenario scenario)
        throws Exception
    {
        ScenarioProcess.runWithWriteStall(UserTimeoutScenarios.class, List.of(scenario.name()), scenario.toString());
    }

    @ParameterizedTest
    @EnumSource(UserTimeoutScenarios.Scenario.class)
    @Timeout(90)
    void shouldCloseBothLegsWithinUserTimeoutOnTheNewerJdk(final UserTimeoutScenarios.Scenario scenario)
        throws Exception
    {
        ScenarioProcess.runWithKernel(UserTimeoutScenarios.class, List.of(scenario.name()), scenario.toString());
    }
}
