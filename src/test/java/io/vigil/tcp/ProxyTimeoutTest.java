package io.vigil.tcp;

import io.vigil.session.Side;
import io.vigil.session.CloseReason;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * proxy-timeout closes a session with no traffic either way, and only such a session.
 */
@Timeout(30)
class ProxyTimeoutTest
{
    @Test
    void shouldCloseIdleSessionsAndKeepActiveOnes() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(
                "vigil { listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up, " +
                "proxy-timeout = 600ms }], upstreams { up { servers = [\"" + upstream.hostPort() + "\"] } } }");
            Socket idle = VigilHarness.connect(vigil.address("pub"));
            Socket active = VigilHarness.connect(vigil.address("pub")))
        {
            idle.getOutputStream().write(1);
            assertEquals(1, idle.getInputStream().read());
            final long idleSince = System.nanoTime();

            // the active session moves a byte every 200ms for 2s: three times the timeout, never idle for it
            final OutputStream out = active.getOutputStream();
            final InputStream in = active.getInputStream();
            for (int i = 0; i < 10; i++)
            {
                out.write(i);
                assertEquals(i, in.read(), "active session still relays at round " + i);
                Thread.sleep(200);
            }

            assertEquals(-1, idle.getInputStream().read(), "idle session closed");
            final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(5)).get(0);
            assertEquals(CloseReason.IDLE_TIMEOUT, closed.reason());
            assertEquals(Side.PROXY, closed.side());
            final long afterMs = Duration.ofNanos(closed.atNs() - idleSince).toMillis();
            assertTrue(afterMs >= 550 && afterMs < 1600, "closed " + afterMs + "ms after the last byte");
            assertEquals(1, vigil.closed().size(), "the active session is still open");
        }
    }
}
