package io.vigil.cli;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.RawHttp;
import io.vigil.test.TempFiles;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stop as Kubernetes drives it. SIGTERM: readiness fails at once; for shutdown-delay Vigil still accepts
 * (the endpoint is being removed from load balancers); then it accepts nothing, lets an in-flight HTTP response
 * complete and exits 0. A second SIGTERM cuts the drain short.
 */
@Timeout(90)
class DrainTest
{
    /**
     * Issue 12's goal is readiness failing within 100 ms of SIGTERM; what this test can see is later: the signal's
     * delivery, the child JVM's signal thread waking the main thread, and the admin loop are all in the goal, but so
     * are this test's own polls (a fresh TCP connection and HTTP exchange each, 5 ms apart). On a loaded 2-core
     * machine those scheduling delays alone passed 100 ms. What the test proves is the mechanism: readiness fails
     * at SIGTERM, not when shutdown-delay ends (3 s), so the bound is a third of the delay; the number is printed.
     */
    private static final long READINESS_BOUND_MS = 1000;

    @RegisterExtension
    final Closer closer = new Closer();

    private static File config(final TestUpstream echo, final TestOrigin origin, final String delay,
        final String timeout) throws IOException
    {
        return TempFiles.write("vigil-drain", ".conf", "vigil {\n" +
            "  event-loops = 2, shutdown-delay = " + delay + ", shutdown-timeout = " + timeout + "\n" +
            "  admin { listen = \"127.0.0.1:0\" }\n" +
            "  listeners = [\n" +
            "    { name = tcp, listen = \"127.0.0.1:0\", upstream = echo }\n" +
            "    { name = web, listen = \"127.0.0.1:0\", mode = http, upstream = app }\n" +
            "  ]\n" +
            "  upstreams {\n" +
            "    echo { servers = [\"" + echo.hostPort() + "\"] }\n" +
            "    app { servers = [\"" + origin.hostPort() + "\"] }\n" +
            "  }\n}\n");
    }

    @Test
    void shouldAcceptDuringShutdownDelayThenStopAcceptingAndFinishInFlightResponses() throws Exception
    {
        final TestUpstream echo = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestOrigin origin = closer.keep(TestOrigin.start());
        final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c",
            config(echo, origin, "3s", "10s").getPath()));
        final int tcp = vigil.port("tcp");
        final InetSocketAddress web = new InetSocketAddress("127.0.0.1", vigil.port("web"));
        final InetSocketAddress admin = vigil.admin();
        final RawHttp keptAlive = closer.keep(new RawHttp(web));
        assertEquals(200, keptAlive.get("/hello").status());
        assertEquals(200, Admin.get(admin, "/readyz").status());

        final long signalledNs = System.nanoTime();
        vigil.sigterm();
        Await.until(() -> readyz(admin) == 503, Duration.ofSeconds(5), "readiness fails");
        final long notReadyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalledNs);
        System.out.println("readiness 503 " + notReadyMs + " ms after SIGTERM");
        assertTrue(notReadyMs <= READINESS_BOUND_MS, "readiness 503 after " + notReadyMs + " ms");
        assertEquals(200, Admin.get(admin, "/healthz").status(), "alive while draining");

        // still within shutdown-delay: new connections are accepted and served
        try (Socket late = new Socket("127.0.0.1", tcp))
        {
            late.setSoTimeout(5000);
            late.getOutputStream().write(4);
            assertEquals(4, late.getInputStream().read(), "a connection during shutdown-delay is served");
        }
        assertEquals(200, closer.keep(new RawHttp(web)).get("/hello").status());
        // a response that is still in flight when the delay ends: it takes longer than the whole delay, so it only
        // has to start within it (the checks above took over 1.8 s of a 2 s delay on a loaded machine)
        final CompletableFuture<RawHttp.Response> slow = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return keptAlive.get("/slow/3500");
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalledNs) < 2800,
            "the checks above ran within the delay");

        vigil.awaitOutput("vigil: stopping: no new connections", Duration.ofSeconds(10));
        final long stoppedAcceptingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalledNs);
        assertTrue(stoppedAcceptingMs >= 2900, "accepting ended after shutdown-delay: " + stoppedAcceptingMs + " ms");
        Await.until(() -> refuses(tcp) && refuses(web.getPort()), Duration.ofSeconds(5),
            "no new connection after the delay");

        final RawHttp.Response response = slow.get(10, TimeUnit.SECONDS);
        assertEquals(200, response.status(), "the in-flight response completes");
        assertEquals("close", response.header("connection"), "and the kept-alive connection is closed after it");
        assertEquals(0, vigil.awaitExit(Duration.ofSeconds(20)), vigil.output());
        final String out = vigil.output();
        assertTrue(out.contains("vigil: stopping (SIGTERM): readiness fails; still accepting for shutdown-delay " +
            "3000ms"), out);
        assertTrue(out.contains("vigil: stopped; "), out);
    }

    @Test
    void shouldCutTheDrainShortOnASecondSigterm() throws Exception
    {
        final TestUpstream echo = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestOrigin origin = closer.keep(TestOrigin.start());
        final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c",
            config(echo, origin, "30s", "60s").getPath()));
        final Socket session = closer.keep(new Socket("127.0.0.1", vigil.port("tcp")));
        session.setSoTimeout(20_000);
        session.getOutputStream().write(1);
        assertEquals(1, session.getInputStream().read());

        vigil.sigterm();
        vigil.awaitOutput("still accepting for shutdown-delay 30000ms", Duration.ofSeconds(10));
        final long secondNs = System.nanoTime();
        vigil.sigterm();
        assertEquals(0, vigil.awaitExit(Duration.ofSeconds(20)), vigil.output());
        final long exitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - secondNs);
        assertTrue(exitedMs < 10_000, "exited " + exitedMs + " ms after the second SIGTERM, not after 90 s");
        assertEquals(-1, session.getInputStream().read(), "the session was closed");
        assertTrue(vigil.output().contains("second signal"), vigil.output());
    }

    private static int readyz(final InetSocketAddress admin)
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

    private static boolean refuses(final int port)
    {
        try (Socket probe = new Socket())
        {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return false;
        }
        catch (final ConnectException ex)
        {
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
