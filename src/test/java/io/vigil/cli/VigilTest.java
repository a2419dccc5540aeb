package io.vigil.cli;

import io.vigil.test.TempFiles;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line: help, version, check, and usage and configuration errors with their exit codes.
 */
class VigilTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(final String... args)
    {
        return Vigil.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out()
    {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintHelpAndVersion()
    {
        assertEquals(0, run("--help"));
        assertTrue(out().contains("usage: vigil"), out());
        assertEquals(0, run("--version"));
        assertTrue(out().contains("vigil "), out());
    }

    @Test
    void shouldRefuseUnknownCommandsAndArguments()
    {
        assertEquals(2, run("serve"));
        assertTrue(err().contains("unknown command \"serve\""), err());
        assertEquals(2, run("check", "--frobnicate"));
        assertTrue(err().contains("unknown argument \"--frobnicate\""), err());
        assertEquals(2, run("check", "-c"));
        assertTrue(err().contains("-c needs a file"), err());
    }

    @Test
    void shouldCheckAConfigAndPrintTheDetectionBudget() throws Exception
    {
        final File file = TempFiles.write("vigil-check", ".conf",
            "vigil { listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up, " +
            "so-keepalive = \"120:30:5\" }], upstreams { up { servers = [\"127.0.0.1:9\"], " +
            "so-keepalive = \"60::3\" } } }");
        assertEquals(0, run("check", "-c", file.getPath()));
        assertTrue(out().contains("listener pub"), out());
        assertTrue(out().contains("dead peer detected within 270 s (120 + 30 x 5)"), out());
        assertTrue(out().contains("upstream up"), out());
        assertTrue(out().matches("(?s).*so-keepalive=60::3  effective 60:\\d+:3  dead peer detected within \\d+ s.*"),
            out());
    }

    @Test
    void shouldExitOneWithFileLineAndKeyForABadConfig() throws Exception
    {
        final File file = TempFiles.write("vigil-check", ".conf",
            "vigil {\n  listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up,\n" +
            "    so-keepalive = \"1:1:500\" }]\n  upstreams { up { servers = [\"127.0.0.1:9\"] } }\n}");
        assertEquals(1, run("check", "-c", file.getPath()));
        assertTrue(err().contains(file.getPath() + ":3: vigil.listeners[0].so-keepalive:"), err());
        assertEquals(1, run("check", "-c", "/nonexistent.conf"));
    }
}
