package io.vigil.cli;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.TempFiles;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * On SIGTERM readiness fails at once, while the sessions that are open still relay: load balancers and
 * Kubernetes endpoints stop sending new connections before anything is cut.
 */
@Timeout(60)
class ReadinessOnStopTest
{
    @Test
    void shouldFailReadinessBeforeClosingSessions() throws Exception
    {
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final File conf = TempFiles.write("vigil-ready", ".conf", "vigil { event-loops = 1, " +
                "shutdown-timeout = 20s, admin { listen = \"127.0.0.1:0\" }, listeners = [{ name = pub, " +
                "listen = \"127.0.0.1:0\", upstream = echo }], upstreams { echo { servers = [\"" +
                echo.hostPort() + "\"] } } }");
            try (VigilProcess vigil = VigilProcess.start("run", "-c", conf.getPath()))
            {
                final int port = vigil.port("pub");
                vigil.awaitOutput("admin http://", Duration.ofSeconds(10));
                final Matcher m = Pattern.compile("admin http://127\\.0\\.0\\.1:(\\d+)/").matcher(vigil.output());
                m.find();
                final InetSocketAddress admin = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
                assertEquals(200, Admin.get(admin, "/readyz").status());
                try (Socket session = new Socket("127.0.0.1", port))
                {
                    session.setSoTimeout(5000);
                    session.getOutputStream().write(1);
                    assertEquals(1, session.getInputStream().read());
                    final long signalled = System.nanoTime();
                    vigil.sigterm();
                    Await.until(() -> status(admin) == 503, Duration.ofSeconds(5), "readiness fails on SIGTERM");
                    final long ms = (System.nanoTime() - signalled) / 1_000_000;
                    session.getOutputStream().write(2);
                    assertEquals(2, session.getInputStream().read(), "the open session still relays");
                    assertEquals(200, Admin.get(admin, "/healthz").status(), "draining is alive");
                    System.out.println("readiness 503 " + ms + " ms after SIGTERM");
                }
                assertEquals(0, vigil.awaitExit(Duration.ofSeconds(30)), vigil.output());
            }
        }
    }

    private static int status(final InetSocketAddress admin)
    {
        try
        {
            return Admin.get(admin, "/readyz").status();
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }
}
