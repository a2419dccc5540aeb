package io.vigil.test;

import org.junit.jupiter.api.Assumptions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A check run in a JVM of its own in a private network namespace ({@code unshare -n}), where it may add addresses
 * and nft rules no other process sees: the root check that skips such tests (saying why; bin/test fails when the
 * ones it names were skipped), and the run, which passes only if that JVM exits 0.
 */
public final class PrivateNetns
{
    private PrivateNetns()
    {
    }

    /**
     * Skips the calling test (or class) unless this process runs as root, which unshare -n needs.
     *
     * @param what what is skipped, e.g. "keepalive scenarios".
     * @throws Exception when id cannot be run.
     */
    public static void requireRoot(final String what) throws Exception
    {
        final String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
            StandardCharsets.US_ASCII).trim();
        if (!"0".equals(uid))
        {
            System.out.println("SKIPPED " + what + ": root is needed for a private network namespace and what is " +
                "set up in it (unshare -n, ip, nft; uid " + uid + ")");
        }
        Assumptions.assumeTrue("0".equals(uid), what + ": root is needed (unshare -n, ip, nft); uid is " + uid);
    }

    /**
     * Runs a JVM in a private network namespace, prints its output under {@code label} and asserts it finished
     * within 60 s and exited 0.
     *
     * @param java        the java command line up to and with the main class.
     * @param args        the main class's arguments.
     * @param environment variables set for it beyond the inherited ones; a null value removes one.
     * @param label       names the run in the output.
     * @throws Exception when the process cannot be started or read.
     */
    public static void run(
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
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the check in the namespace finished");
        }
        finally
        {
            process.destroyForcibly();
        }
        System.out.println("--- " + label + "\n" + output);
        assertEquals(0, process.exitValue(), output);
    }
}
