package io.vigil.scenario;

import io.vigil.test.NewerJdk;
import io.vigil.test.VigilProcess;
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
 * skipped scenario proves nothing), and the run of one scenario's JVM in a private network namespace
 * ({@code unshare -n}), on this JVM or on the {@link NewerJdk}, which passes only if that JVM exits 0.
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

    /**
     * Runs a scenario on this JVM, which must be older than Java 22: the run that proves the Java 17 fallback
     * (user-timeout by the write-stall timer). The scenario gets "write-stall" as its last argument.
     *
     * @param mainClass the scenario's class.
     * @param args      its arguments before the mechanism.
     * @param label     names the run in the output.
     * @throws Exception when the process cannot be started or read.
     */
    static void runWithWriteStall(final Class<?> mainClass, final List<String> args, final String label)
        throws Exception
    {
        assertTrue(Runtime.version().feature() < 22, "this run proves the Java 17 fallback; the build JDK is " +
            Runtime.version());
        runInPrivateNetns(VigilProcess.javaCommand(mainClass.getName()), withMechanism(args, "write-stall"), Map.of(),
            label + " (write-stall)");
    }

    /**
     * Runs a scenario on the newer JDK with the Java 22 classes, where the kernel enforces user-timeout
     * (TCP_USER_TIMEOUT through FFM); skipped when that JDK is not installed. The scenario gets "kernel" as its last
     * argument.
     *
     * @param mainClass the scenario's class.
     * @param args      its arguments before the mechanism.
     * @param label     names the run in the output.
     * @throws Exception when the process cannot be started or read.
     */
    static void runWithKernel(final Class<?> mainClass, final List<String> args, final String label)
        throws Exception
    {
        NewerJdk.assumeInstalled();
        runInPrivateNetns(NewerJdk.javaCommand(mainClass.getName(), "io/vigil/net/KernelUserTimeout.class"),
            withMechanism(args, "kernel"), Map.of(), label + " (kernel)");
    }

    private static List<String> withMechanism(final List<String> args, final String mechanism)
    {
        final List<String> all = new ArrayList<>(args);
        all.add(mechanism);
        return all;
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
