package io.vigil.scenario;

import io.vigil.test.NewerJdk;
import io.vigil.test.PrivateNetns;
import io.vigil.test.VigilProcess;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two runs of a user-timeout scenario's JVM in a private network namespace ({@link PrivateNetns}): on this JVM
 * (Java 17, the write-stall timer) and on the {@link NewerJdk} (the kernel's TCP_USER_TIMEOUT).
 */
final class ScenarioProcess
{
    private ScenarioProcess()
    {
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
        PrivateNetns.run(VigilProcess.javaCommand(mainClass.getName()), withMechanism(args, "write-stall"), Map.of(),
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
        final List<String> java = new ArrayList<>(NewerJdk.javaCommand(mainClass.getName(),
            "io/vigil/net/KernelUserTimeout.class"));
        // the JDK's sockets with TCP_USER_TIMEOUT through FFM (KernelUserTimeout), unless the run asks for Vigil's own
        // socket layer (see VigilProcess), the default on Java 22+, which the other newer-JDK tests cover
        java.add(1, "kernel".equals(System.getProperty("vigil.test.sockets")) ? "-Dvigil.sockets=kernel" :
            "-Dvigil.sockets=jdk");
        PrivateNetns.run(java, withMechanism(args, "kernel"), Map.of(), label + " (kernel)");
    }

    private static List<String> withMechanism(final List<String> args, final String mechanism)
    {
        final List<String> all = new ArrayList<>(args);
        all.add(mechanism);
        return all;
    }
}
