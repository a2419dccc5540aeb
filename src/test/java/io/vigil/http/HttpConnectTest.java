package io.vigil.http;

import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CONNECT answered 2xx turns the connection into a raw tunnel to wherever the origin connects it, past framing
 * checks and X-Forwarded-For; an origin with a catch-all handler would let any client through. So Vigil refuses
 * CONNECT unless the listener says allow-connect.
 */
@Timeout(30)
class HttpConnectTest extends OriginBehindVigil
{
    @Test
    void shouldRefuseConnectByDefault() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
        try (RawHttp http = client())
        {
            http.send("CONNECT internal.example:22 HTTP/1.1\r\nHost: internal.example:22\r\n\r\nSSH-2.0-x\r\n");
            final RawHttp.Response response = http.read(false);
            assertEquals(405, response.status());
            assertEquals("close", response.header("connection"));
            assertTrue(http.closedByPeer());
        }
        assertEquals(0, origin.requests(), "nothing of the CONNECT reached the origin");
        assertFalse(origin.received().contains("SSH-2.0"));
        vigil.awaitAccessLog("request=CONNECT internal.example:22 status=405");
    }

    @Test
    void shouldTunnelConnectWhenAllowed() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", allow-connect = true", ""));
        try (RawHttp http = client())
        {
            http.send("CONNECT internal.example:22 HTTP/1.1\r\nHost: internal.example:22\r\n\r\n");
            assertEquals(200, http.read(true).status());
            final OutputStream out = http.socket().getOutputStream();
            final InputStream in = http.socket().getInputStream();
            final byte[] bytes = "SSH-2.0-anything at all\r\n".getBytes(StandardCharsets.ISO_8859_1);
            out.write(bytes);
            assertArrayEquals(bytes, in.readNBytes(bytes.length), "the tunnel relays raw bytes");
        }
        vigil.awaitAccessLog("request=CONNECT internal.example:22 status=200");
    }
}
