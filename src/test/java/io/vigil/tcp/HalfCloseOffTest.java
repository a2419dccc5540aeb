package io.vigil.tcp;

import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.test.Await;
import io.vigil.test.RelayRig;
import io.vigil.test.RelayedPair;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tcp listener with {@code half-close = off} (nginx proxy_half_close off): the first FIN, once everything read
 * before it was delivered, closes both sides without waiting for the other side to close. The default (on, FINs
 * forwarded as half-closes) is RelayIntegrityTest's shouldCarryHalfCloseAndKeepTheOtherDirectionOpen. When the
 * other side is still sending, closing would reset it and drop the tail in Vigil's send queue: the relay then goes on
 * as with half-close on.
 */
@Timeout(60)
class HalfCloseOffTest
{
    @Test
    void shouldCloseTheUpstreamOnTheClientsFinWithoutWaitingForIt() throws Exception
    {
        try (RelayRig rig = RelayRig.start(1, "half-close = off");
            RelayedPair pair = rig.open())
        {
            pair.client().getOutputStream().write("request".getBytes());
            pair.client().shutdownOutput();
            assertEquals("request", new String(pair.upstream().getInputStream().readNBytes(7)));
            assertEquals(-1, pair.upstream().getInputStream().read(), "the upstream reads EOF");
            // the upstream never closed: with half-close on the client would wait here for the upstream's FIN
            assertEquals(-1, pair.client().getInputStream().read(), "Vigil closed the client's socket too");
            awaitClosedForWriting(pair.upstream());
            final VigilHarness.Closed closed = rig.vigil().awaitClosed(1, Duration.ofSeconds(5)).get(0);
            assertEquals(CloseReason.EOF, closed.reason());
            assertEquals(Side.CLIENT, closed.side(), "the client's FIN came first");
            rig.vigil().awaitAccessLog("from_client=7 from_upstream=0 ");
        }
    }

    @Test
    void shouldDeliverWhatTheUpstreamSentBeforeItsFinAndCloseTheClient() throws Exception
    {
        try (RelayRig rig = RelayRig.start(1, "half-close = off");
            RelayedPair pair = rig.open())
        {
            pair.upstream().getOutputStream().write("banner".getBytes());
            pair.upstream().shutdownOutput();
            assertEquals("banner", new String(pair.client().getInputStream().readNBytes(6)),
                "bytes before the FIN arrive");
            assertEquals(-1, pair.client().getInputStream().read());
            // the client never sent its FIN: Vigil closed the upstream's socket on the upstream's own FIN
            assertEquals(-1, pair.upstream().getInputStream().read(), "the upstream reads Vigil's close");
            awaitClosedForWriting(pair.client());
            final VigilHarness.Closed closed = rig.vigil().awaitClosed(1, Duration.ofSeconds(5)).get(0);
            assertEquals(CloseReason.EOF, closed.reason());
            assertEquals(Side.UPSTREAM, closed.side());
        }
    }

    @Test
    void shouldDeliverEverythingTheUpstreamSentBeforeItsFinWhileTheClientStillSends() throws Exception
    {
        final int banner = 8 << 20;
        try (RelayRig rig = RelayRig.start(1, "half-close = off");
            Socket client = new Socket())
        {
            // small windows: what Vigil writes toward the client waits in its send queue, not in the client's kernel
            client.setReceiveBufferSize(64 * 1024);
            client.connect(rig.vigil().address("pub"), 5000);
            client.setSoTimeout(20_000);
            final Socket upstreamSide = rig.server().accept();
            // the upstream answers with a long banner and its FIN, never reading; the client keeps uploading, so
            // Vigil holds unread client bytes when the upstream's FIN ends the session
            final Thread upstreamWriter = new Thread(() -> writeQuietly(upstreamSide, banner, true));
            final Thread clientWriter = new Thread(() -> writeQuietly(client, 64 << 20, false));
            upstreamWriter.start();
            clientWriter.start();
            long received = 0;
            final byte[] chunk = new byte[16 * 1024];
            try
            {
                for (int n; (n = client.getInputStream().read(chunk)) > 0; )
                {
                    received += n;
                    Thread.sleep(1); // a slow reader: Vigil's send queue toward the client stays full
                }
            }
            catch (final IOException ex)
            {
                // a reset: the tail of the banner was thrown away
            }
            assertEquals(banner, received, "every byte the upstream sent before its FIN reached the client");
            client.close();
            upstreamSide.close();
            upstreamWriter.join(10_000);
            clientWriter.join(10_000);
        }
    }

    private static void writeQuietly(final Socket socket, final int total, final boolean fin)
    {
        final byte[] chunk = new byte[64 * 1024];
        try
        {
            final OutputStream out = socket.getOutputStream();
            for (int sent = 0; sent < total; sent += chunk.length)
            {
                out.write(chunk);
            }
            if (fin)
            {
                socket.shutdownOutput();
            }
        }
        catch (final IOException ex)
        {
            // closed under the writer: the test reads the outcome on the other side
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
}
