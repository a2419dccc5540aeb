package io.vigil.tcp;

import io.vigil.test.Await;
import io.vigil.test.TempFiles;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real binary under SIGTERM: stops accepting at once, lets open sessions finish, closes what is left when
 * the grace period ends, and exits 0.
 */
@Timeout(60)
class ShutdownTest
{
    private static File config(final TestUpstream upstream, final String grace) throws IOException
    {
        return TempFiles.write("vigil-shutdown", ".conf",
            "vigil { shutdown-timeout = " + grace + ", listeners = [{ name = pub, listen = \"127.0.0.1:0\", " +
            "upstream = up }], upstreams { up { servers = [\"" + upstream.hostPort() + "\"] } } }");
    }

    @Test
    void shouldDrainOpenSessionsThenExitZero() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilProcess vigil = VigilProcess.start("run", "-c", config(upstream, "20s").getPath()))
        {
            final Socket session = relayingSession(vigil);

            vigil.sigterm();
            vigil.awaitOutput("vigil: stopping", Duration.ofSeconds(10));
            Await.until(() -> refuses(vigil.port("pub")), Duration.ofSeconds(5), "listener closed after SIGTERM");

            // the open session keeps working during the drain
            session.getOutputStream().write(2);
            assertEquals(2, session.getInputStream().read());
            assertTrue(vigil.process().isAlive(), "waiting for the open session");

            final long closedAt = System.nanoTime();
            session.close();
            assertEquals(0, vigil.awaitExit(Duration.ofSeconds(10)));
            final long exitMs = Duration.ofNanos(System.nanoTime() - closedAt).toMillis();
            assertTrue(exitMs < 5000, "exited " + exitMs + "ms after the last session ended, not after the grace");
            assertTrue(vigil.output().contains("reason=eof"), vigil.output());
        }
    }

    @Test
    void shouldCloseWhatIsLeftWhenTheGracePeriodEnds() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilProcess vigil = VigilProcess.start("run", "-c", config(upstream, "1s").getPath()))
        {
            final Socket session = relayingSession(vigil);

            final long termAt = System.nanoTime();
            vigil.sigterm();
            assertEquals(-1, session.getInputStream().read(), "session closed by the shutdown");
            final long closedMs = Duration.ofNanos(System.nanoTime() - termAt).toMillis();
            assertTrue(closedMs >= 900 && closedMs < 5000, "closed " + closedMs + "ms after SIGTERM, grace 1s");
            assertEquals(0, vigil.awaitExit(Duration.ofSeconds(10)));
            assertTrue(vigil.output().contains("reason=shutdown side=proxy"), vigil.output());
            session.close();
        }
    }

    /** A session through the process that has moved a byte both ways. */
    private static Socket relayingSession(final VigilProcess vigil) throws IOException
    {
        final Socket session = new Socket("127.0.0.1", vigil.port("pub"));
        session.setSoTimeout(10_000);
        session.getOutputStream().write(1);
        assertEquals(1, session.getInputStream().read());
        return session;
    }

    private static boolean refuses(final int port)
    {
        try (Socket probe = new Socket("127.0.0.1", port))
        {
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

    @Test
    void shouldExitNonZeroWithTheMessageForABadConfig() throws Exception
    {
        final File bad = TempFiles.write("vigil-bad", ".conf",
            "vigil {\n  listeners = [{ name = a, listen = \"127.0.0.1:0\", upstream = missing }]\n" +
            "  upstreams { up { servers = [\"127.0.0.1:1\"] } }\n}");
        try (VigilProcess vigil = VigilProcess.start("run", "-c", bad.getPath()))
        {
            assertEquals(1, vigil.awaitExit(Duration.ofSeconds(20)));
            assertTrue(vigil.output().contains(bad.getPath() + ":2: vigil.listeners[0].upstream: no upstream named"),
                vigil.output());
        }
    }
}
