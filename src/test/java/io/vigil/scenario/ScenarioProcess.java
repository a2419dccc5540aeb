package io.vigil.scenario;

import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the scenario tests share: the root check that skips them (saying why; bin/test then fails, because a
 * skipped scenario proves nothing), the newer JDK's command line, and the run of one scenario's JVM in a private
 * network namespace ({@code unshare -n}), which passes only if that JVM exits 0.
 */
final class ScenarioProcess
{
    /** The newer JDK the kernel-mechanism runs use (TCP_USER_TIMEOUT through FFM on Java 22+). */
    static final String NEWER_JDK = "/usr/lib/jvm/temurin-25-jdk-amd64";

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
        Assumptions.assumeTrue(new File(NEWER_JDK, "bin/java").canExecute(), "no JDK at " + NEWER_JDK);
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
