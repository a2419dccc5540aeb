package io.vigil.scenario;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Assumptions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the scenario tests share: the root check that skips them (saying why; bin/test then fails, because a
 * skipped scenario proves nothing), the {@link NewerJdk} command line, and the run of one scenario's JVM in a
 * private network namespace ({@code unshare -n}), which passes only if that JVM exits 0.
 */
final class ScenarioProcess
{
    private ScenarioProcess()
    {
    }

    /**
     * Skips the calling test class unless this process runs as root (unshare -n and nft need it).
     *
     * @param scenarios what is skipped, e.g. "keepalive scenarios".
     * @throws Exception when id cannot be run.
     */
    static void requireRoot(final String scenarios) throws Exception
    {
        final String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
            StandardCharsets.US_ASCII).trim();
        if (!"0".equals(uid))
        {
            System.out.println("SKIPPED " + scenarios + ": root is needed for unshare -n and nft (uid " + uid + ")");
        }
        Assumptions.assumeTrue("0".equals(uid), scenarios + ": root is needed (unshare -n, nft); uid is " + uid);
    }

    /** Skips the calling test unless the newer JDK is installed. */
    static void requireNewerJdk()
    {
        NewerJdk.assumeInstalled();
    }

    /**
     * @param mainClass the class to run.
     * @return the newer JDK's command line for it, with the Java 22 classes the user-timeout scenarios need.
     */
    static List<String> newerJdkCommand(final String mainClass)
    {
        return NewerJdk.javaCommand(mainClass, "io/vigil/net/KernelUserTimeout.class");
    }

    /**
     * Runs a scenario's JVM in a private network namespace, prints its output under {@code label} and asserts it
     * finished within 60 s and exited 0.
     *
     * @param java        the java command line up to and with the main class.
     * @param args        the scenario's arguments.
     * @param environment variables set for it beyond the inherited ones; a null value removes one.
     * @param label       names the run in the output.
     * @throws Exception when the process cannot be started or read.
     */
    static void runInPrivateNetns(
        final List<String> java, final List<String> args, final Map<String, String> environment, final String label)
        throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("unshare", "-n", "--"));
        command.addAll(java);
        command.addAll(args);
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        environment.forEach((name, value) ->
        {
            if (value == null)
            {
                builder.environment().remove(name);
            }
            else
            {
                builder.environment().put(name, value);
            }
        });
        final Process process = builder.start();
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
        System.out.println("--- " + label + "\n" + output);
        assertEquals(0, process.exitValue(), output);
    }
}
