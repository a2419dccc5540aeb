package io.vigil.net;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KernelAccept} on both sides of the multi-release jar: the JDK's accept on Java 17, accept4 on the newer
 * JDK under /usr/lib/jvm (Java 22 classes first on its class path, as the jar would load them). The checks
 * ({@link KernelAcceptCheck}) run against real sockets in a JVM of each JDK.
 */
class KernelAcceptTest
{
    @Test
    void shouldAcceptWithTheJdkOnJava17() throws Exception
    {
        Assumptions.assumeTrue(Runtime.version().feature() < 22, "this run proves the Java 17 version");
        KernelAcceptCheck.check("jdk");
    }

    @Test
    void shouldAcceptThroughAccept4OnTheNewerJdk() throws Exception
    {
        NewerJdk.assumeInstalled();
        final List<String> command = new ArrayList<>(NewerJdk.javaCommand(KernelAcceptCheck.class.getName(),
            "io/vigil/net/KernelAccept.class"));
        command.add("kernel");
        // output to a file, not a pipe read to its end: a hung check must not hang the test past its bound
        final File log = File.createTempFile("kernel-accept", ".log");
        log.deleteOnExit();
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log).start();
        final String output;
        try
        {
            final boolean finished = process.waitFor(60, TimeUnit.SECONDS);
            output = java.nio.file.Files.readString(log.toPath(), StandardCharsets.UTF_8);
            assertTrue(finished, "check finished within 60 s:\n" + output);
        }
        finally
        {
            process.destroyForcibly();
        }
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("OK kernel"), output);
    }
}
