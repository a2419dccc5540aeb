package io.vigil.net;

import io.vigil.test.VigilProcess;
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
    private static final String NEWER_JDK = "/usr/lib/jvm/temurin-25-jdk-amd64";

    @Test
    void shouldAcceptWithTheJdkOnJava17() throws Exception
    {
        Assumptions.assumeTrue(Runtime.version().feature() < 22, "this run proves the Java 17 version");
        KernelAcceptCheck.check("jdk");
    }

    @Test
    void shouldAcceptThroughAccept4OnTheNewerJdk() throws Exception
    {
        Assumptions.assumeTrue(new File(NEWER_JDK, "bin/java").canExecute(), "no JDK at " + NEWER_JDK);
        final List<String> command = new ArrayList<>(VigilProcess.javaCommand(KernelAcceptCheck.class.getName()));
        final String classes = System.getProperty("vigil.test.classpath").split(File.pathSeparator)[1];
        final File versioned = new File(classes, "META-INF/versions/22");
        assertTrue(new File(versioned, "io/vigil/net/KernelAccept.class").isFile(),
            "the build compiled the Java 22 classes into " + versioned);
        command.set(0, NEWER_JDK + "/bin/java");
        command.add(1, "--enable-native-access=ALL-UNNAMED");
        final int cp = command.indexOf("-cp") + 1;
        command.set(cp, versioned.getPath() + File.pathSeparator + command.get(cp));
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
