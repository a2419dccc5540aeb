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
 * Vigil's own socket layer ({@code -Dvigil.sockets=kernel}) on the newer JDK under /usr/lib/jvm: the checks of
 * {@link KernelSocketsCheck} (the stale event of a reused descriptor in one epoll pass, the JDK's exception texts,
 * keepalive as the kernel sees it) run in a JVM of that JDK against real sockets.
 */
class KernelSocketsTest
{
    @Test
    void shouldPassTheSocketLayerChecksOnTheNewerJdk() throws Exception
    {
        NewerJdk.assumeInstalled();
        final List<String> command = new ArrayList<>(NewerJdk.javaCommand(KernelSocketsCheck.class.getName(),
            "io/vigil/net/kernel/KernelSelector.class"));
        command.add(1, "-Dvigil.sockets=kernel");
        // output to a file, not a pipe read to its end: a hung check must not hang the test past its bound
        final File log = File.createTempFile("kernel-sockets", ".log");
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
        assertTrue(output.contains("OK kernel"), output);
    }
}
