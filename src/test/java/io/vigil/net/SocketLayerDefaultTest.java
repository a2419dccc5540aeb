package io.vigil.net;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which socket layer Vigil uses by default: its own on Java 22+ on Linux (fewer system calls and less CPU per
 * connection, README "Vigil's own socket layer"), the JDK's with {@code -Dvigil.sockets=jdk}, and always the JDK's
 * on Java 17 (this JVM).
 */
class SocketLayerDefaultTest
{
    @Test
    void shouldUseTheJdkLayerOnJava17()
    {
        if (Runtime.version().feature() < 22)
        {
            assertEquals("jdk", SocketLayer.name());
            assertTrue(SocketLayer.describe().contains("needs Java 22+"), SocketLayer.describe());
        }
    }

    @Test
    void shouldUseVigilsOwnLayerByDefaultOnTheNewerJdk() throws Exception
    {
        NewerJdk.assumeInstalled();
        final String output = run(List.of());
        assertTrue(output.contains("layer=kernel sockets: kernel"), output);
    }

    @Test
    void shouldUseTheJdkLayerWhenAskedOnTheNewerJdk() throws Exception
    {
        NewerJdk.assumeInstalled();
        final String output = run(List.of("-Dvigil.sockets=jdk"));
        assertTrue(output.contains("layer=jdk sockets: jdk (-Dvigil.sockets=jdk)"), output);
    }

    private static String run(final List<String> properties) throws Exception
    {
        final List<String> command = new ArrayList<>(NewerJdk.javaCommand(SocketLayerDefaultCheck.class.getName(),
            "io/vigil/net/SocketLayer.class"));
        command.addAll(1, properties);
        // output to a file, not a pipe read to its end: a hung JVM must not hang the test past its bound
        final File log = File.createTempFile("socket-layer", ".log");
        log.deleteOnExit();
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        try
        {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "finished within 60 s");
            final String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), output);
            return output;
        }
        finally
        {
            process.destroyForcibly();
        }
    }
}
