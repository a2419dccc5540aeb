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
    void shouldRefuseACycleThroughAPlainFileUrl() throws IOException
    {
        final Path main = write("vigil.conf", VALID + "include \"b.conf\"\n");
        final Path b = write("b.conf", "include \"file://" + main + "\"\n");
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(main.toFile()));
        assertEquals(b + ":1: include \"file://" + main + "\": refused: an include cycle: " + main.toRealPath() +
            " -> " + b.toRealPath() + " -> " + main.toRealPath(), error.getMessage());
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
        try
        {
            // preemptive: a parse blocked in open(2) on the FIFO ignores interrupts
            return assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(ConfigError.class, () -> ConfigLoader.load(main.toFile())));
        }
        catch (final AssertionFailedError blocked)
        {
            Files.writeString(fifo, "x = 1\n"); // let the blocked parse go (a writer completes the reader's open)
            throw blocked;
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
