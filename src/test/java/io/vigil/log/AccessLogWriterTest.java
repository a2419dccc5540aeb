package io.vigil.log;

import io.vigil.test.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access-log writer shares the proxy's cores: with nothing to write it must sleep, not poll, and a line still
 * reaches the output soon after it is written.
 */
@Timeout(30)
class AccessLogWriterTest
{
    @Test
    void shouldSleepWhileIdleAndStillWriteLines() throws Exception
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (AccessLog log = new AccessLog(out))
        {
            final Path status = writerStatus();
            final long before = voluntarySwitches(status);
            Thread.sleep(2_000);
            final long wakeups = voluntarySwitches(status) - before;
            // a 100 ms park: ~20 in 2 s; the old 5 ms poll: ~400
            assertTrue(wakeups < 80, "the idle writer woke " + wakeups + " times in 2 s");

            assertTrue(log.newLine().begin().append("one line").commit());
            Await.until(() -> out.toString(StandardCharsets.US_ASCII).contains("one line\n"), Duration.ofSeconds(2),
                "the line written");
        }
        assertEquals("one line\n", out.toString(StandardCharsets.US_ASCII));
    }

    /**
     * The writer thread's /proc status file (Linux). The thread names itself once it runs, so it may not be there
     * yet right after the log is opened: wait for it.
     */
    private static Path writerStatus() throws IOException
    {
        final Path[] found = {null};
        Await.until(() ->
        {
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task")))
            {
                found[0] = tasks.filter(AccessLogWriterTest::isWriter).findFirst().orElse(null);
            }
            catch (final IOException ex)
            {
                found[0] = null;
            }
            return found[0] != null;
        }, Duration.ofSeconds(5), "the access-log writer thread");
        return found[0].resolve("status");
    }

    private static boolean isWriter(final Path task)
    {
        try
        {
            return Files.readString(task.resolve("comm")).trim().equals("vigil-access-lo"); // comm is cut to 15
        }
        catch (final IOException ex)
        {
            return false; // the thread ended
        }
    }

    private static long voluntarySwitches(final Path status) throws IOException
    {
        for (final String line : Files.readAllLines(status))
        {
            if (line.startsWith("voluntary_ctxt_switches:"))
            {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IOException("no voluntary_ctxt_switches in " + status);
    }
}
