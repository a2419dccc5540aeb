package io.vigil.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spellings of an include that reach a FIFO, or a file without end, past the check of 38643bc: the parser opens a
 * file: URL (written plainly or in url()) as the URL says, with no extension probing and whatever its authority.
 * Each FIFO test fails by its preemptive timeout when the parse blocks in open(2).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IncludeBypassTest
{
    private static final String VALID = "vigil {\n" +
        "  listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }]\n" +
        "  upstreams { up { servers = [\"127.0.0.1:9\"] } }\n" +
        "}\n";

    @TempDir
    Path dir;

    @Test
    void shouldRefuseAFifoIncludedByAPlainFileUrl() throws Exception
    {
        final Path fifo = fifo("pushed.conf");
        final Path main = write("vigil.conf", VALID + "include \"file://" + fifo + "\"\n");
        final ConfigError error = refusedWithoutBlocking(main, fifo);
        assertTrue(error.getMessage().startsWith(main + ":5: "), error.getMessage());
        assertTrue(error.getMessage().contains("not a regular file"), error.getMessage());
    }

    @Test
    void shouldRefuseAFifoNamedByAFileUrlWithAnAuthority() throws Exception
    {
        final Path fifo = fifo("pushed.conf");
        final Path main = write("vigil.conf", VALID + "include url(\"file://localhost" + fifo + "\")\n");
        final ConfigError error = refusedWithoutBlocking(main, fifo);
        assertTrue(error.getMessage().startsWith(main + ":5: "), error.getMessage());
        assertTrue(error.getMessage().contains("not a regular file"), error.getMessage());
    }

    @Test
    void shouldRefuseAFifoWithoutExtensionNamedByAFileUrl() throws Exception
    {
        final Path fifo = fifo("pushed");
        final Path main = write("vigil.conf", VALID + "include url(\"file://" + fifo + "\")\n");
        final ConfigError error = refusedWithoutBlocking(main, fifo);
        assertTrue(error.getMessage().startsWith(main + ":5: "), error.getMessage());
        assertTrue(error.getMessage().contains("not a regular file"), error.getMessage());
    }

    @Test
    void shouldRefuseAFifoIncludedByARelativeNameFromAFileIncludedByUrl() throws Exception
    {
        final Path fifo = fifo("pushed.conf");
        final Path a = write("a.conf", "# a\ninclude \"pushed.conf\"\n");
        final Path main = write("vigil.conf", VALID + "include url(\"" + a.toUri() + "\")\n");
        final ConfigError error = refusedWithoutBlocking(main, fifo);
        assertEquals(a + ":2: include \"pushed.conf\": refused: not a regular file: " + fifo +
            " (a FIFO, a device or a socket would block or never end)", error.getMessage());
    }

    @Test
    void shouldRefuseAKernelPseudoFileThatStatsAsRegular() throws IOException
    {
        // /proc/kmsg would block (as root) and /proc/self/... files have size 0 whatever they hold; a link to one too
        final Path link = Files.createSymbolicLink(dir.resolve("status.conf"), Path.of("/proc/self/status"));
        final Path main = write("vigil.conf", VALID + "include \"status.conf\"\n");
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(main.toFile()));
        assertEquals(main + ":5: include \"status.conf\": refused: a kernel pseudo-file: " + link +
            " (under /proc or /sys; it may block or never end)", error.getMessage());
    }

    @Test
    void shouldRefuseACycleThroughAPlainFileUrl() throws IOException
    {
        final Path main = write("vigil.conf", VALID + "include \"b.conf\"\n");
        final Path b = write("b.conf", "include \"file://" + main + "\"\n");
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(main.toFile()));
        assertEquals(b + ":1: include \"file://" + main + "\": refused: an include cycle: " + main.toRealPath() +
            " -> " + b.toRealPath() + " -> " + main.toRealPath(), error.getMessage());
    }

    /**
     * "limits" is read as limits.conf and limits.json, one after the other: limits.conf including limits.json is no
     * cycle (the parser reads it fine), yet both files are on the stack while limits.conf is read.
     */
    @Test
    void shouldReadAnExtensionlessIncludeWhoseConfIncludesItsJson() throws IOException
    {
        write("limits.json", "{ \"vigil\": { \"event-loops\": 2 } }\n");
        write("limits.conf", "include \"limits.json\"\nvigil.loop-stall-timeout = 7s\n");
        final Path main = write("vigil.conf", VALID + "include \"limits\"\n");
        final VigilConfig config = ConfigLoader.load(main.toFile());
        assertEquals(2, config.eventLoops());
        assertEquals(TimeUnit.SECONDS.toNanos(7), config.loopStallTimeoutNs(), "limits.conf was read");
    }

    /**
     * The parser takes an IO error from one of name.conf/.json/.properties for "not this one": a refusal from inside
     * limits.conf, with limits.json there too, was swallowed and the configuration loaded without limits.conf.
     */
    @Test
    void shouldRefuseAFifoIncludedFromOneOfTheFilesOfAnExtensionlessName() throws Exception
    {
        final Path fifo = fifo("pushed.conf");
        write("limits.json", "{ \"vigil\": { \"event-loops\": 2 } }\n");
        final Path limits = write("limits.conf", "vigil.loop-stall-timeout = 7s\ninclude \"pushed.conf\"\n");
        final Path main = write("vigil.conf", VALID + "include \"limits\"\n");
        final ConfigError error = refusedWithoutBlocking(main, fifo);
        // named "limits" without a line: the includer cannot tell which of limits.conf/.json the parser is reading
        assertTrue(error.getMessage().endsWith("limits: include \"pushed.conf\": refused: not a regular file: " +
            fifo + " (a FIFO, a device or a socket would block or never end)"), error.getMessage());
        assertTrue(Files.readString(limits).contains("include \"pushed.conf\""));
    }

    /**
     * A sparse regular file reads as NULs without end, as /dev/zero: the heap goes before the parse ends (which runs
     * the fork's heap out when this fails).
     */
    @Test
    void shouldRefuseAHugeRegularFileBeforeReadingIt() throws IOException
    {
        final Path huge = dir.resolve("huge.conf");
        try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw"))
        {
            file.setLength(16L << 30); // 16 GiB of holes: no disk used
        }
        final Path main = write("vigil.conf", VALID + "include \"huge.conf\"\n");
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(main.toFile()));
        assertEquals(main + ":5: include \"huge.conf\": refused: larger than any configuration (over 16 MiB): " + huge,
            error.getMessage());
    }

    private ConfigError refusedWithoutBlocking(final Path main, final Path fifo) throws IOException
    {
        final ConfigError error;
        try
        {
            // preemptive: a parse blocked in open(2) on the FIFO ignores interrupts
            error = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> refusalOrNull(main));
        }
        catch (final AssertionFailedError blocked)
        {
            // only a timeout: after a load that ended, no reader would ever open the FIFO and this write would hang
            Files.writeString(fifo, "x = 1\n"); // let the blocked parse go (a writer completes the reader's open)
            throw blocked;
        }
        assertNotNull(error, "loaded without a refusal");
        return error;
    }

    private static ConfigError refusalOrNull(final Path main)
    {
        try
        {
            ConfigLoader.load(main.toFile());
            return null;
        }
        catch (final ConfigError refused)
        {
            return refused;
        }
    }

    private Path fifo(final String name) throws Exception
    {
        final Path fifo = dir.resolve(name);
        final Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        return fifo;
    }

    private Path write(final String name, final String content) throws IOException
    {
        return Files.writeString(dir.resolve(name), content);
    }
}
