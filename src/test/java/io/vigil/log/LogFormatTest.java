package io.vigil.log;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code log-format = json} (root key) writes each notice of a real {@code vigil run} as one JSON object per line
 * ({@code time}, {@code level}, {@code message}); {@code text} writes the same notice as
 * {@code <time> <LEVEL> <message>}. The notice here is a health check declaring a server down (nothing listens on
 * its port).
 */
@Timeout(60)
class LogFormatTest
{
    private static int closedPort() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static String downNotice(final String format, final int port) throws Exception
    {
        final Path file = Files.createTempFile("vigil-log-format", ".conf");
        Files.writeString(file, "vigil { event-loops = 1, log-format = " + format + "\n" +
            "  listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = dead }]\n" +
            "  upstreams { dead { servers = [\"127.0.0.1:" + port + "\"]," +
            " health-check { type = tcp, interval = 100ms, timeout = 500ms, fall = 1 } } } }\n");
        try (VigilProcess vigil = VigilProcess.start("run", "-c", file.toString()))
        {
            vigil.awaitOutput("is DOWN", Duration.ofSeconds(20));
            return Arrays.stream(vigil.output().split("\n")).filter(line -> line.contains("is DOWN")).findFirst()
                .orElseThrow();
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void shouldWriteNoticesAsOneJsonObjectPerLineWhenAsked() throws Exception
    {
        final int port = closedPort();
        final String message = "upstream dead server 127.0.0.1:" + port + " is DOWN";

        final String json = downNotice("json", port);
        assertTrue(json.startsWith("{") && json.endsWith("}"), "one JSON object on the line: " + json);
        final Config parsed = ConfigFactory.parseString(json, ConfigParseOptions.defaults()
            .setSyntax(ConfigSyntax.JSON));
        assertEquals("WARN", parsed.getString("level"));
        assertTrue(parsed.getString("message").startsWith(message), parsed.getString("message"));
        final Instant time = Instant.parse(parsed.getString("time"));
        assertTrue(Duration.between(time, Instant.now()).abs().toMinutes() < 5, "a current timestamp: " + time);

        final String text = downNotice("text", port);
        final String[] words = text.split(" ", 3);
        Instant.parse(words[0]);
        assertEquals("WARN", words[1], text);
        assertEquals(parsed.getString("message"), words[2], "the same message in both forms");
    }
}
