package io.vigil.cli;

import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/vigil's footprint flags, checked on the running process (issue 15): the JDK's class archive is mapped where
 * it was written, so the kernel keeps most of its pages clean and shareable, not rewritten at every start.
 */
class LauncherFootprintIT
{
    private static final Path JDK25 = Paths.get("/usr/lib/jvm/temurin-25-jdk-amd64");

    @Test
    void shouldLeaveMostOfTheJdkClassArchiveCleanWhenStartedByBinVigil(@TempDir final Path dir) throws Exception
    {
        final Path conf = dir.resolve("vigil.conf");
        Files.writeString(conf, "vigil { event-loops = 1, listeners = [{ name = t, listen = \"127.0.0.1:0\", "
            + "upstream = u }], upstreams { u { servers = [\"127.0.0.1:9\"] } } }\n");
        // VIGIL_CDS=off: no archive of Vigil's own classes (written at exit into target/); the JDK's is still used
        try (VigilProcess vigil = VigilProcess.startCommand(
            List.of("env", "VIGIL_CDS=off", "bin/vigil", "run", "-c", conf.toString())))
        {
            vigil.awaitOutput("listening t ", Duration.ofSeconds(60));
            final long[] rssAndDirtyKib = archiveMapping(vigil.process().pid());
            assertTrue(rssAndDirtyKib[0] > 1024, "the JDK's class archive (classes.jsa) is mapped: " + vigil.output());
            // relocated (the JDK's default), 84% of its resident pages were dirty here; mapped in place, 30%
            assertTrue(rssAndDirtyKib[1] * 2 < rssAndDirtyKib[0], "classes.jsa resident " + rssAndDirtyKib[0]
                + " KiB, private dirty " + rssAndDirtyKib[1] + " KiB: relocated at start?");
            vigil.sigterm();
            assertEquals(0, vigil.awaitExit(Duration.ofSeconds(30)), vigil.output());
        }
    }

    @Test
    void shouldUseCompactObjectHeadersOnJdk25() throws Exception
    {
        assumeTrue(Files.isExecutable(JDK25.resolve("bin/java")), "no JDK 25 at " + JDK25);
        final List<String> command = new ArrayList<>(List.of("env", "JAVA_HOME=" + JDK25, "VIGIL_CDS=off",
            "JAVA_OPTS=-XX:+PrintFlagsFinal", "bin/vigil", "--version"));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), out);
        assertTrue(flag("bool UseCompactObjectHeaders\\s+= true").matcher(out).find(), out);
        assertTrue(flag("int ArchiveRelocationMode\\s+= 0").matcher(out).find(), out);
    }

    /** A line of -XX:+PrintFlagsFinal: the flag with that value, set on the command line. */
    private static Pattern flag(final String nameAndValue)
    {
        return Pattern.compile("(?m)^\\s*" + nameAndValue + "\\s.*\\{command line}$");
    }

    /** Resident and private dirty KiB of the process's mappings of a file ending in ".jsa". */
    private static long[] archiveMapping(final long pid) throws IOException
    {
        final long[] rssAndDirty = new long[2];
        boolean inArchive = false;
        for (final String line : Files.readAllLines(Paths.get("/proc", Long.toString(pid), "smaps")))
        {
            final String[] fields = line.trim().split("\\s+");
            if (fields[0].matches("[0-9a-f]+-[0-9a-f]+"))
            {
                inArchive = fields.length >= 6 && fields[fields.length - 1].endsWith(".jsa");
            }
            else if (inArchive && "Rss:".equals(fields[0]))
            {
                rssAndDirty[0] += Long.parseLong(fields[1]);
            }
            else if (inArchive && "Private_Dirty:".equals(fields[0]))
            {
                rssAndDirty[1] += Long.parseLong(fields[1]);
            }
        }
        return rssAndDirty;
    }
}
