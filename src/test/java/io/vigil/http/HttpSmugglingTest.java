package io.vigil.http;

import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests an attacker shapes so that Vigil and the origin would read them differently, each found by the
 * adversarial audit of issue 9: Connection naming a framing field or Host, and chunk sizes that overflow a long.
 * Every case goes through a real Vigil to a real origin that records the bytes it received.
 */
@Timeout(30)
class HttpSmugglingTest extends OriginBehindVigil
{
    private static final String ADMIN = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n";

    @BeforeEach
    void startVigil() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
    }

    @Test
    void shouldKeepContentLengthWhenConnectionNamesIt() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nConnection: content-length\r\nContent-Length: " +
                ADMIN.length() + "\r\n\r\n" + ADMIN);
            final RawHttp.Response response = http.read(false);
            assertEquals(200, response.status());
            assertEquals(ADMIN, response.body(), "the body reached the origin as a body");
        }
        assertEquals(1, origin.requests(), "the origin served one request, not the body as a second");
        assertFalse(origin.received().contains("connection: content-length"));
    }

    @Test
    void shouldKeepTransferEncodingWhenConnectionNamesIt() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("POST /echo HTTP/1.1\r\nHost: a\r\nConnection: transfer-encoding\r\n" +
                "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(ADMIN.length()) + "\r\n" + ADMIN +
                "\r\n0\r\n\r\n");
            final RawHttp.Response response = http.read(false);
            assertEquals(200, response.status());
            assertEquals(ADMIN, response.body());
        }
        assertEquals(1, origin.requests());
    }

    @Test
    void shouldKeepHostWhenConnectionNamesIt() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("GET /hello HTTP/1.1\r\nHost: victim.example\r\nConnection: host\r\n\r\n");
            assertEquals(200, http.read(false).status());
        }
        assertTrue(origin.received().contains("Host: victim.example\r\n"),
            "an HTTP/1.1 request reached the origin without its Host: " + origin.received());
    }

    @Test
    void shouldRefuseAChunkSizeThatOverflowsAndKeepTheLoopServing() throws Exception
    {
        for (final String size : new String[] {"8000000000000000", "fffffffffffffffe"})
        {
            try (RawHttp http = client())
            {
                http.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + size +
                    "\r\nxxxxxxxx\r\n");
                final RawHttp.Response response = http.read(false);
                assertEquals(400, response.status(), size);
                assertTrue(http.closedByPeer(), size);
            }
            // one loop: a spinning decoder would leave this request unanswered
            try (RawHttp http = client())
            {
                assertEquals("hello", http.get("/hello").body(), size);
            }
        }
        assertFalse(origin.received().contains("xxxxxxxx"), "no byte of the refused body reached the origin");
    }

    @Test
    void shouldCloseOnAResponseChunkSizeThatOverflowsAndKeepTheLoopServing() throws Exception
    {
        try (RawHttp http = client())
        {
            http.send("GET /huge-chunk HTTP/1.1\r\nHost: a\r\n\r\n");
            // a response that cannot be framed ends the connection; none of its body is relayed
            final String relayed = new String(http.socket().getInputStream().readAllBytes(),
                java.nio.charset.StandardCharsets.ISO_8859_1);
            assertFalse(relayed.contains("xxxxxxxx"), relayed);
        }
        try (RawHttp http = client())
        {
            assertEquals("hello", http.get("/hello").body());
        }
        vigil.awaitAccessLog("reason=protocol_error side=upstream");
    }
}
