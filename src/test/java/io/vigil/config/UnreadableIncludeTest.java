package io.vigil.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An include the parser must not open is refused with the including file and line, before anything is read: one
 * that comes back to a file already being read (the parser alone stops a cycle only at 50 levels, with a trace and no
 * line), and one that names a FIFO or a device (a start or a reload would block, or read forever). A file included
 * twice side by side is not a cycle. The timeout fails a parse that blocks.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UnreadableIncludeTest
{
    private static final String VALID = "vigil {\n" +
        "  listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }]\n" +
        "  upstreams { up { servers = [\"127.0.0.1:9\"] } }\n" +
        "}\n";

    @TempDir
    Path dir;

    @Test
    void shouldRefuseAFileThatIncludesItself() throws IOException
    {
        final Path main = write("vigil.conf", VALID + "include \"vigil.conf\"\n");
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(main.toFile()));
        assertEquals(main + ":5: include \"vigil.conf\": refused: an include cycle: " + real(main) + " -> " +
            real(main), error.getMessage());
    }

    @Test
    void shouldNameTheWholeChainOfACycleThroughOtherFiles() throws IOException
    {
        final Path main = write("vigil.conf", VALID + "include \"conf.d/a.conf\"\n");
        Files.createDirectory(dir.resolve("conf.d"));
        final Path a = write("conf.d/a.conf", "# a\ninclude \"b\"\n");
        final Path b = write("conf.d/b.conf", "vigil.event-loops = 1\n\ninclude file(\"" + a + "\")\n");
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(main.toFile()));
        assertEquals(b + ":3: include file(\"" + a + "\"): refused: an include cycle: " + real(a) + " -> " + real(b) +
            " -> " + real(a), error.getMessage());
    }

    @Test
    void shouldReadAFileIncludedTwiceSideBySide() throws IOException
    {
        write("limits.conf", "vigil.event-loops = 2\n");
        final Path main = write("vigil.conf", VALID + "include \"limits.conf\"\ninclude \"limits\"\n");
        assertEquals(2, ConfigLoader.load(main.toFile()).eventLoops());
    }

    @Test
    void shouldRefuseAFifoWithoutOpeningIt() throws Exception
    {
        final Path fifo = dir.resolve("pushed.conf");
        final Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        final Path main = write("vigil.conf", VALID + "include \"pushed.conf\"\n");
        final ConfigError error;
        try
        {
            // preemptive: a parse blocked in open(2) on the FIFO ignores interrupts
            error = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(ConfigError.class, () -> ConfigLoader.load(main.toFile())));
        }
        catch (final AssertionFailedError blocked)
        {
            Files.writeString(fifo, "x = 1\n"); // let the blocked parse go (a writer completes the reader's open)
            throw blocked;
        }
        assertEquals(main + ":5: include \"pushed.conf\": refused: not a regular file: " + fifo +
            " (a FIFO, a device or a socket would block or never end)", error.getMessage());
    }

    @Test
    void shouldRefuseALinkToADeviceThatNeverEnds() throws IOException
    {
        final Path zero = Files.createSymbolicLink(dir.resolve("zero.conf"), Paths.get("/dev/zero"));
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.parse(
            "vigil.event-loops = 1\ninclude url(\"" + zero.toUri() + "\")\n", "pushed"));
        // written file:///path, given to the includer (and named) as file:/path
        assertTrue(error.getMessage().startsWith("pushed:2: include url(\"file:" + zero +
            "\"): refused: not a regular file: " + zero), error.getMessage());
    }

    private Path write(final String name, final String content) throws IOException
    {
        return Files.writeString(dir.resolve(name), content);
    }

    private static Path real(final Path path) throws IOException
    {
        return path.toRealPath();
    }
}
