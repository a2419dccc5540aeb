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
 * Runs each {@link UserTimeoutScenarios} scenario in a private network namespace twice: on this JVM (Java 17:
 * the write-stall timer) and on the newer JDK under /usr/lib/jvm with the multi-release classes for Java 22
 * first on the class path, as the jar would load them (the kernel's TCP_USER_TIMEOUT). Needs root, like
 * {@link KeepaliveScenariosTest}; the newer JDK run needs that JDK and the classes the build compiles with it.
 */
class UserTimeoutScenariosTest
{
    static final String NEWER_JDK = "/usr/lib/jvm/temurin-25-jdk-amd64";

    @BeforeAll
    static void requireRoot() throws Exception
    {
        final String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
            StandardCharsets.US_ASCII).trim();
        if (!"0".equals(uid))
        {
            System.out.println("SKIPPED user-timeout scenarios: they need root for unshare -n and nft (uid " + uid +
                ")");
        }
        Assumptions.assumeTrue("0".equals(uid), "user-timeout scenarios need root (unshare -n, nft)");
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
        Assumptions.assumeTrue(new File(NEWER_JDK, "bin/java").canExecute(), "no JDK at " + NEWER_JDK);
        run(newerJdkCommand(UserTimeoutScenarios.class.getName()), scenario, "kernel");
    }

    /**
     * @param mainClass the class to run.
     * @return the newer JDK's java with this JVM's class path, the Java 22 classes of the multi-release build
     *         first (a class directory is not multi-release; the jar is).
     */
    static List<String> newerJdkCommand(final String mainClass)
    {
        final List<String> command = new ArrayList<>(VigilProcess.javaCommand(mainClass));
        final String classes = System.getProperty("vigil.test.classpath").split(File.pathSeparator)[1];
        final File versioned = new File(classes, "META-INF/versions/22");
        assertTrue(new File(versioned, "io/vigil/net/KernelUserTimeout.class").isFile(),
            "the build compiled the Java 22 classes into " + versioned);
        command.set(0, NEWER_JDK + "/bin/java");
        command.add(1, "--enable-native-access=ALL-UNNAMED");
        final int cp = command.indexOf("-cp") + 1;
        command.set(cp, versioned.getPath() + File.pathSeparator + command.get(cp));
        return command;
    }

    private static void run(final List<String> java, final UserTimeoutScenarios.Scenario scenario,
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
        System.out.println("--- " + scenario + " (" + mechanism + ")\n" + output);
        assertEquals(0, process.exitValue(), output);
    }
}
