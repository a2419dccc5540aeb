package io.vigil.tcp;

import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.test.Await;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tcp listener with {@code half-close = off} (nginx proxy_half_close off): the first FIN, once everything read
 * before it was delivered, closes both sides without waiting for the other side to close. The default (on, FINs
 * forwarded as half-closes) is RelayIntegrityTest's shouldCarryHalfCloseAndKeepTheOtherDirectionOpen.
 */
@Timeout(60)
class HalfCloseOffTest
{
    @Test
    void shouldCloseTheUpstreamOnTheClientsFinWithoutWaitingForIt() throws Exception
    {
        try (ServerSocket server = new ServerSocket();
            VigilHarness vigil = startOn(server))
        {
            final Socket client = VigilHarness.connect(vigil.address("pub"));
            final Socket upstreamSide = server.accept();
            client.setSoTimeout(10_000);
            upstreamSide.setSoTimeout(10_000);
            client.getOutputStream().write("request".getBytes());
            client.shutdownOutput();
            assertEquals("request", new String(upstreamSide.getInputStream().readNBytes(7)));
            assertEquals(-1, upstreamSide.getInputStream().read(), "the upstream reads EOF");
            // the upstream never closed: with half-close on the client would wait here for the upstream's FIN
            assertEquals(-1, client.getInputStream().read(), "Vigil closed the client's socket too");
            awaitClosedForWriting(upstreamSide);
            final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(5)).get(0);
            assertEquals(CloseReason.EOF, closed.reason());
            assertEquals(Side.CLIENT, closed.side(), "the client's FIN came first");
            vigil.awaitAccessLog("from_client=7 from_upstream=0 ");
            client.close();
            upstreamSide.close();
        }
    }

    @Test
    void shouldDeliverWhatTheUpstreamSentBeforeItsFinAndCloseTheClient() throws Exception
    {
        try (ServerSocket server = new ServerSocket();
            VigilHarness vigil = startOn(server))
        {
            final Socket client = VigilHarness.connect(vigil.address("pub"));
            final Socket upstreamSide = server.accept();
            client.setSoTimeout(10_000);
            upstreamSide.setSoTimeout(10_000);
            upstreamSide.getOutputStream().write("banner".getBytes());
            upstreamSide.shutdownOutput();
            assertEquals("banner", new String(client.getInputStream().readNBytes(6)), "bytes before the FIN arrive");
            assertEquals(-1, client.getInputStream().read());
            // the client never sent its FIN: Vigil closed the upstream's socket on the upstream's own FIN
            assertEquals(-1, upstreamSide.getInputStream().read(), "the upstream reads Vigil's close");
            awaitClosedForWriting(client);
            final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(5)).get(0);
            assertEquals(CloseReason.EOF, closed.reason());
            assertEquals(Side.UPSTREAM, closed.side());
            client.close();
            upstreamSide.close();
        }
    }

    /** A socket whose peer closed it fully: the first write draws a reset, a later one fails. */
    private static void awaitClosedForWriting(final Socket socket)
    {
        final OutputStream out;
        try
        {
            out = socket.getOutputStream();
        }
        catch (final IOException ex)
        {
            return;
        }
        Await.until(() ->
        {
            try
            {
                out.write('x');
                out.flush();
                return false;
            }
            catch (final IOException ex)
            {
                return true; // broken pipe or connection reset: the peer's socket is gone
            }
        }, Duration.ofSeconds(10), "a write to " + socket + " to fail after Vigil closed its peer");
    }

    private static VigilHarness startOn(final ServerSocket server) throws Exception
    {
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return VigilHarness.start("vigil { event-loops = 1, listeners = [{ name = pub, listen = \"127.0.0.1:0\", " +
            "upstream = up, half-close = off }], upstreams { up { servers = [\"127.0.0.1:" + server.getLocalPort() +
            "\"] } } }");
    }
}
