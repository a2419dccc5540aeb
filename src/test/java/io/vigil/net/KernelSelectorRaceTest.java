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
 * Vigil's own selector ({@code -Dvigil.sockets=kernel}) raced from other threads on the newer JDK under /usr/lib/jvm:
 * the checks of {@link KernelSelectorRaceCheck} (wakeups racing the eventfd drain) run in a JVM of that JDK.
 */
class KernelSelectorRaceTest
{
    @Test
    void shouldSurviveCrossThreadRacesOnTheKernelSelector() throws Exception
    {
        NewerJdk.assumeInstalled();
        final List<String> command = new ArrayList<>(NewerJdk.javaCommand(KernelSelectorRaceCheck.class.getName(),
            "io/vigil/net/kernel/KernelSelector.class"));
        command.add(1, "-Dvigil.sockets=kernel");
        // output to a file, not a pipe read to its end: a hung check must not hang the test past its bound
        final File log = File.createTempFile("kernel-races", ".log");
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
        assertTrue(output.contains("OK races"), output);
    }
}
