package io.vigil.log;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * access-log-format = json writes one JSON object per line with the same fields and values as the text form:
 * the same traffic through a text and a json listener gives the same record, tcp and http.
 */
@Timeout(30)
class AccessLogFormatTest
{
    private static final Set<String> VARYING = Set.of("time", "listener", "client", "duration_ms");

    /** key=value pairs of a text line; the time first, request's two words kept together. */
    private static Map<String, String> text(final String line)
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        final String[] words = line.split(" ");
        fields.put("time", words[0]);
        for (int i = 1; i < words.length; i++)
        {
            final int eq = words[i].indexOf('=');
            if (eq < 0)
            {
                fields.put(words[i], "true"); // a marker: connection_closed
            }
            else if (words[i].startsWith("request="))
            {
                fields.put("request", words[i].substring(eq + 1) + " " + words[++i]);
            }
            else
            {
                fields.put(words[i].substring(0, eq), words[i].substring(eq + 1));
            }
        }
        return fields;
    }

    private static Map<String, String> json(final String line)
    {
        final Config config = ConfigFactory.parseString(line, ConfigParseOptions.defaults()
            .setSyntax(ConfigSyntax.JSON));
        final Map<String, String> fields = new LinkedHashMap<>();
        config.root().forEach((key, value) -> fields.put(key, String.valueOf(value.unwrapped())));
        return fields;
    }

    private static void assertSameRecord(final String textLine, final String jsonLine)
    {
        final Map<String, String> t = text(textLine);
        final Map<String, String> j = json(jsonLine);
        assertEquals(t.keySet(), j.keySet(), "same fields:\n" + textLine + "\n" + jsonLine);
        for (final String key : t.keySet())
        {
            if (!VARYING.contains(key))
            {
                assertEquals(t.get(key), j.get(key), key + ":\n" + textLine + "\n" + jsonLine);
            }
        }
        assertTrue(j.get("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), j.get("time"));
    }

    private static String line(final VigilHarness vigil, final String listener, final String contains)
    {
        final List<String> lines = vigil.accessLog().lines()
            .filter(l -> l.contains("listener=" + listener + " ") || l.contains("\"listener\":\"" + listener + "\""))
            .filter(l -> l.contains(contains)).toList();
        assertEquals(1, lines.size(), vigil.accessLog());
        return lines.get(0);
    }

    @Test
    void shouldWriteTheSameRecordAsJson() throws Exception
    {
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            TestOrigin origin = TestOrigin.start();
            VigilHarness vigil = VigilHarness.start("vigil { event-loops = 1, listeners = [" +
                "{ name = tcp-text, listen = \"127.0.0.1:0\", upstream = echo }," +
                "{ name = tcp-json, listen = \"127.0.0.1:0\", upstream = echo, access-log-format = json }," +
                "{ name = web-text, listen = \"127.0.0.1:0\", mode = http, upstream = web }," +
                "{ name = web-json, listen = \"127.0.0.1:0\", mode = http, upstream = web2," +
                " access-log-format = json }]," +
                " upstreams { echo { servers = [\"" + echo.hostPort() + "\"] }," +
                " web { servers = [\"" + origin.hostPort() + "\"] }," +
                " web2 { servers = [\"" + origin.hostPort() + "\"] } } }"))
        {
            for (final String listener : List.of("tcp-text", "tcp-json"))
            {
                try (Socket client = vigil.relayingClient(listener))
                {
                    client.shutdownOutput();
                    assertEquals(-1, client.getInputStream().read());
                }
            }
            for (final String listener : List.of("web-text", "web-json"))
            {
                try (RawHttp http = new RawHttp(vigil.address(listener)))
                {
                    assertEquals(200, http.get("/echo?a=\"quoted\\path\"").status());
                }
            }
            Await.until(() -> vigil.accessLog().lines().count() == 6, Duration.ofSeconds(5), "six lines");
            assertSameRecord(line(vigil, "tcp-text", "reason"), line(vigil, "tcp-json", "reason"));
            assertSameRecord(line(vigil, "web-text", "status"), line(vigil, "web-json", "status"));
            assertSameRecord(line(vigil, "web-text", "connection_closed"),
                line(vigil, "web-json", "connection_closed"));
        }
    }
}
