package io.vigil.scenario;

import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        final String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
            StandardCharsets.US_ASCII).trim();
        if (!"0".equals(uid))
        {
            System.out.println("SKIPPED http user-timeout scenarios: they need root for unshare -n and nft (uid " +
                uid + ")");
        }
        Assumptions.assumeTrue("0".equals(uid), "http user-timeout scenarios need root (unshare -n, nft)");
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
        Assumptions.assumeTrue(new File(UserTimeoutScenariosTest.NEWER_JDK, "bin/java").canExecute(),
            "no JDK at " + UserTimeoutScenariosTest.NEWER_JDK);
        run(UserTimeoutScenariosTest.newerJdkCommand(HttpUserTimeoutScenarios.class.getName()), scenario, "kernel");
    }

    private static void run(final List<String> java, final HttpUserTimeoutScenarios.Scenario scenario,
        final String mechanism) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("unshare", "-n", "--"));
        command.addAll(java);
        command.add(scenario.name());
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
        System.out.println("--- http " + scenario + " (" + mechanism + ")\n" + output);
        assertEquals(0, process.exitValue(), output);
    }
}
