package io.vigil.runtime;

import io.vigil.admin.AdminServer;
import io.vigil.config.ConfigLoader;
import io.vigil.config.VigilConfig;
import io.vigil.session.CloseReason;
import io.vigil.session.SessionObserver;
import io.vigil.session.Side;
import io.vigil.test.Admin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An Error kills the loop it is thrown on; the server reports it, so the process exits (70) instead of running
 * on with a dead loop whose sessions and hand-offs would hang, and /healthz fails meanwhile.
 */
@Timeout(20)
class LoopFailureTest
{
    @Test
    void shouldReportALoopKilledByAnError() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final SessionObserver failing = new SessionObserver()
            {
                @Override
                public void onEstablished(final String listener, final SocketChannel downstream, final SocketChannel up)
                {
                    throw new StackOverflowError("simulated");
                }

                @Override
                public void onClosed(final String listener, final CloseReason reason, final Side side)
                {
                }
            };
            final VigilConfig config = ConfigLoader.parse("vigil { event-loops = 1, listeners = " +
                "[{ name = pub, listen = \"127.0.0.1:0\", upstream = up }], upstreams { up { servers = [\"" +
                upstream.hostPort() + "\"] } }, admin { listen = \"127.0.0.1:0\" } }", "test");
            final VigilServer server = VigilServer.start(config, failing, new ByteArrayOutputStream());
            final AdminServer admin = AdminServer.start(config.admin(), server, "test", null);
            try
            {
                assertEquals(200, Admin.get(admin.address(), "/healthz").status());
                final CountDownLatch reported = new CountDownLatch(1);
                server.onFatal(reported::countDown);
                try (Socket client = VigilHarness.connect(server.boundAddress("pub")))
                {
                    client.getOutputStream().write(1);
                    assertTrue(reported.await(5, TimeUnit.SECONDS), "the dead loop was reported");
                }
                assertNotNull(server.fatal());
                assertEquals("simulated", server.fatal().getMessage());
                assertEquals(503, Admin.get(admin.address(), "/healthz").status(), "liveness fails: restart me");
            }
            finally
            {
                admin.close();
                server.close();
            }
        }
    }
}
