package io.vigil.http;

import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.RecordingOrigin;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chunk lines outside RFC 9112's chunk-ext grammar ({@code *( BWS ";" BWS token [ BWS "=" BWS ( token /
 * quoted-string ) ] )}), found by the differential test's strict origin. Vigil relays chunk lines as they came, so
 * whatever it accepted would reach the origin: an origin that refuses such a line by dropping the connection made
 * Vigil answer 502 and count a server failure, and every other client then got 503 for fail-timeout. Vigil now
 * refuses them itself: 400 and close.
 */
@Timeout(30)
class HttpChunkExtensionTest
{
    private RecordingOrigin origin;
    private VigilHarness vigil;

    @BeforeEach
    void start() throws Exception
    {
        origin = RecordingOrigin.start();
        vigil = VigilHarness.start(HttpConfigs.web(1, "\"" + origin.hostPort() + "\"", ", access-log = false", ""));
    }

    @AfterEach
    void stop() throws Exception
    {
        vigil.close();
        origin.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"5 junk", "5;a b c", "5;\"q\"", "5;a=\"x\"y", "5;=v", "5;a=", "5;a=b c"})
    void shouldRefuseAChunkLineOutsideTheGrammar(final String chunkLine) throws Exception
    {
        try (RawHttp http = new RawHttp(vigil.address("web")))
        {
            http.send("POST /d?id=x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkLine +
                "\r\nhello\r\n0\r\n\r\n");
            assertEquals(400, http.read(false).status(), chunkLine);
            assertTrue(http.closedByPeer());
        }
        vigil.close();
        Await.until(() -> origin.openConnections() == 0, Duration.ofSeconds(10), "origin connections to end");
        assertEquals("[]", origin.violations().toString(), "the origin received what it must refuse");
        assertTrue(origin.received().stream().noneMatch(RecordingOrigin.Received::complete), "forwarded whole");
    }
}
