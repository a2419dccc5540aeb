package io.vigil.net;

import io.vigil.test.NewerJdk;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a check class of the kernel socket layer in a JVM of the newer JDK under /usr/lib/jvm, with
 * {@code -Dvigil.sockets=kernel} (the surefire JVM is Java 17 and cannot load the Java 22 classes).
 */
final class KernelCheckRun
{
    private KernelCheckRun()
    {
    }

    /**
     * @param check the check's main class.
     * @return its output, once it exited 0 within 60 s (asserted).
     */
    static String passing(final Class<?> check) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(NewerJdk.javaCommand(check.getName(),
            "io/vigil/net/kernel/KernelSelector.class"));
        command.add(1, "-Dvigil.sockets=kernel");
        // output to a file, not a pipe read to its end: a hung check must not hang the test past its bound
        final File log = File.createTempFile(check.getSimpleName(), ".log");
        log.deleteOnExit();
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        final String output;
        try
        {
            final boolean finished = process.waitFor(60, TimeUnit.SECONDS);
            output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
            assertTrue(finished, "check finished within 60 s:\n" + output);
        }
        finally
        {
            process.destroyForcibly();
        }
        assertEquals(0, process.exitValue(), output);
        return output;
    }
}
