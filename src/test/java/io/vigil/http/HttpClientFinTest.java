package io.vigil.http;

import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests pipelined before the client's FIN are answered, in order, and the connection closes after the last
 * (as nginx does), within the keep-alive limits. The first request is slow (the origin answers after 400 ms) so
 * that Vigil has read the FIN before the first response head goes out: that is when it used to answer only the
 * first request and close. The pause orders the events; no assertion depends on its length.
 */
@Timeout(30)
class HttpClientFinTest extends OriginBehindVigil
{
    private static final String PIPELINE = "GET /slow/400 HTTP/1.1\r\nHost: a\r\n\r\n" +
        "GET /big/3 HTTP/1.1\r\nHost: a\r\n\r\n" +
        "GET /status/201 HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void shouldAnswerEveryRequestPipelinedBeforeTheFinThenClose() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", access-log = false", ""));
        try (RawHttp http = client())
        {
            http.send(PIPELINE);
            http.socket().shutdownOutput();
            final RawHttp.Response first = http.read(false);
            assertEquals("slow", first.body(), "the first response first");
            final RawHttp.Response second = http.read(false);
            assertEquals("abc", second.body(), "then the second");
            final RawHttp.Response third = http.read(false);
            assertEquals(201, third.status(), "then the third");
            assertEquals("close", third.header("connection"), "the last says it closes");
            assertTrue(http.closedByPeer(), "closed after the last");
        }
    }

    @Test
    void shouldKeepTheKeepAliveRequestLimitAfterTheFin() throws Exception
    {
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", access-log = false, keepalive-requests = 2", ""));
        try (RawHttp http = client())
        {
            http.send(PIPELINE);
            http.socket().shutdownOutput();
            assertEquals("slow", http.read(false).body());
            final RawHttp.Response second = http.read(false);
            assertEquals("abc", second.body());
            assertEquals("close", second.header("connection"), "keepalive-requests = 2 ends it at the second");
            assertTrue(http.closedByPeer(), "the third is never answered");
        }
    }

    @Test
    void shouldCloseAtOnceWhenTheFinCutsAPipelinedBody() throws Exception
    {
        // without the check, the cut request would wait for a body that cannot come until client-body-timeout
        vigil = VigilHarness.start(HttpConfigs.web(origin, ", access-log = false, client-body-timeout = 60s", ""));
        try (RawHttp http = client())
        {
            http.send("GET /slow/400 HTTP/1.1\r\nHost: a\r\n\r\n" +
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello");
            http.socket().shutdownOutput();
            assertEquals("slow", http.read(false).body());
            assertTrue(http.closedByPeer(), "closed within the socket timeout (10 s), not after client-body-timeout");
        }
    }
}
