package io.vigil.rig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The soak generator against the plain echo (every session clean, every byte back), and against an upstream that
 * swallows what it reads (the loss is counted, the run is not clean).
 */
@Timeout(60)
class SoakRunTest
{
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static SoakRun.Settings settings(final InetSocketAddress target, final int sessions, final int churn)
    {
        return new SoakRun.Settings(target, sessions, TimeUnit.SECONDS.toNanos(2), 0, churn, sessions * 20, 4096, 42);
    }

    @Test
    void shouldHoldChurningSessionsThroughThePlainEchoWithoutAnError() throws Exception
    {
        try (PlainEcho echo = new PlainEcho(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            final SoakStats stats = new SoakRun(settings(echo.address(), 40, 40), QUIET).run();
            assertTrue(stats.clean(), stats.line(0));
            assertTrue(stats.opened > 40, "sessions were replaced: " + stats.line(0));
            assertEquals(stats.opened, stats.closedClean, stats.line(0));
            assertTrue(stats.messages > 100, stats.line(0));
            assertEquals(stats.bytesSent, stats.bytesVerified);
        }
    }

    @Test
    void shouldCountTheBytesAnUpstreamSwallows() throws Exception
    {
        try (ServerSocket sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress()))
        {
            final Thread acceptor = new Thread(() -> swallowAll(sink));
            acceptor.setDaemon(true);
            acceptor.start();
            final SoakStats stats = new SoakRun(settings((InetSocketAddress)sink.getLocalSocketAddress(), 5, 50),
                QUIET).run();
            assertFalse(stats.clean());
            assertTrue(stats.bytesLost > 0, stats.line(0));
        }
    }

    @Test
    void shouldRefuseAnEchoThatDiffersOrRunsAhead()
    {
        final SoakSession session = new SoakSession(null, 7, 0);
        session.sent = 3;
        final ByteBuffer good = ByteBuffer.wrap(
            new byte[] {SoakSession.patternByte(7, 0), SoakSession.patternByte(7, 1)});
        assertTrue(session.verify(good));
        assertFalse(session.verify(ByteBuffer.wrap(new byte[] {(byte)(SoakSession.patternByte(7, 2) + 1)})));
        assertFalse(session.verify(ByteBuffer.wrap(new byte[] {SoakSession.patternByte(7, 2), 0})), "more than sent");
        assertEquals(2, session.verified);
    }

    /** Reads every connection to its end and closes it, echoing nothing. */
    private static void swallowAll(final ServerSocket server)
    {
        while (!server.isClosed())
        {
            try
            {
                final Socket socket = server.accept();
                final Thread reader = new Thread(() ->
                {
                    try (socket; InputStream in = socket.getInputStream())
                    {
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                    catch (final IOException ex)
                    {
                        // gone
                    }
                });
                reader.setDaemon(true);
                reader.start();
            }
            catch (final IOException ex)
            {
                return;
            }
        }
    }
}
