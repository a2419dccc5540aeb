package io.vigil.tcp;

import io.vigil.test.RelayRig;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The banner race with {@code half-close = off}: a server-first upstream (SMTP, a redis-style greeting) sends its
 * banner at once, and the client half-closes before Vigil has read the upstream even once (a just-connected
 * upstream is read only when epoll reports it). The client's FIN then finds the upstream looking quiet; the banner
 * already waiting there must still reach the client before both sockets close. The loop is held where the relay
 * starts until the banner and the FIN both wait in Vigil's sockets, so the FIN and the unread banner meet in the
 * relay's first pass every run.
 */
@Timeout(60)
class ServerFirstHalfCloseOffTest
{
    private static final String BANNER = "220 mail.example ESMTP ready\r\n";
    private static final long HOLD_SECONDS = 10;

    @Test
    void shouldDeliverTheBannerWhenTheClientHalfClosesBeforeVigilReadTheUpstream() throws Exception
    {
        try (RelayRig rig = RelayRig.start(1, "half-close = off"))
        {
            final CountDownLatch finSent = new CountDownLatch(1);
            final AtomicReference<String> holdFailed = new AtomicReference<>();
            rig.vigil().onEstablished((downstream, upstream) -> holdUntilBothWait(finSent, downstream, upstream,
                holdFailed));
            final CompletableFuture<Socket> greeted = CompletableFuture.supplyAsync(() -> greet(rig));
            try (Socket client = VigilHarness.connect(rig.vigil().address("pub")))
            {
                client.shutdownOutput();
                finSent.countDown();
                final String received = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertNull(holdFailed.get());
                assertEquals(BANNER, received, "the banner, then Vigil's close");
                try (Socket upstream = greeted.get(HOLD_SECONDS, TimeUnit.SECONDS))
                {
                    assertEquals(-1, upstream.getInputStream().read(), "the client's FIN, or Vigil's close");
                }
            }
            rig.vigil().awaitAccessLog("from_client=0 from_upstream=" + BANNER.length() + " ");
        }
    }

    /** The upstream: accept, greet at once, keep the socket open. */
    private static Socket greet(final RelayRig rig)
    {
        try
        {
            final Socket upstream = rig.server().accept();
            upstream.setSoTimeout((int)TimeUnit.SECONDS.toMillis(HOLD_SECONDS));
            final OutputStream out = upstream.getOutputStream();
            out.write(BANNER.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return upstream;
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /**
     * On the loop thread, before the relay's first pass: wait until the client's FIN and the upstream's banner
     * have both reached Vigil's sockets (each readable), bounded by a deadline.
     */
    private static void holdUntilBothWait(
        final CountDownLatch finSent, final SocketChannel downstream, final SocketChannel upstream,
        final AtomicReference<String> failed)
    {
        try (Selector probe = upstream.provider().openSelector())
        {
            if (!finSent.await(HOLD_SECONDS, TimeUnit.SECONDS))
            {
                failed.set("the client never half-closed");
                return;
            }
            final SelectionKey up = upstream.register(probe, SelectionKey.OP_READ);
            final SelectionKey down = downstream.register(probe, SelectionKey.OP_READ);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HOLD_SECONDS);
            while (!(up.isReadable() && down.isReadable()))
            {
                final long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0)
                {
                    failed.set("banner and FIN not both waiting: upstream " + up.isReadable() + ", client " +
                        down.isReadable());
                    return;
                }
                probe.select(leftMs);
            }
            up.cancel();
            down.cancel();
            probe.selectNow(); // deregister before the loop's selector uses the channels again
        }
        catch (final IOException | InterruptedException ex)
        {
            failed.set(ex.toString());
        }
    }
}
