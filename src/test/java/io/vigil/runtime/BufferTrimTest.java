package io.vigil.runtime;

import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;


/**
 * A burst of stalled sessions borrows a direct buffer each; once they are gone, the loop gives that native memory
 * back within a couple of trim periods instead of keeping it for the process's life (measured before the trim:
 * 28.5 MiB held after 2,000 such sessions closed, {@code benchmarks/pool_burst.py}).
 */
@Timeout(120)
class BufferTrimTest
{
    private static final int SESSIONS = 300;
    private static final int BUFFER = 32 * 1024;
    private static final long MAX_SENT_PER_CLIENT = 16L << 20;

    @Test
    void shouldGiveABurstsBuffersBackAfterItEnds() throws Exception
    {
        final BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(bean -> "direct".equals(bean.getName())).findFirst().orElseThrow();
        System.setProperty("vigil.buffers.trim-period-ms", "300");
        try (Closer closer = new Closer();
            ServerSocketChannel upstream = ServerSocketChannel.open())
        {
            upstream.setOption(StandardSocketOptions.SO_RCVBUF, 4096); // inherited: the upstream reads nothing
            upstream.bind(new InetSocketAddress("127.0.0.1", 0), SESSIONS);
            upstream.configureBlocking(false);
            final int port = ((InetSocketAddress) upstream.getLocalAddress()).getPort();
            final VigilHarness vigil = closer.keep(VigilHarness.start(
                "vigil { event-loops = 1, listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up, " +
                "buffer-size = 32k }], upstreams { up { servers = [\"127.0.0.1:" + port + "\"] } } }"));
            // direct: a heap buffer would make the JDK cache a temporary direct copy, counted below as Vigil's
            final ByteBuffer payload = ByteBuffer.allocateDirect(1 << 20);
            final long before = direct.getMemoryUsed();

            final List<SocketChannel> clients = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++)
            {
                final SocketChannel client = closer.keep(SocketChannel.open(vigil.address("pub")));
                client.configureBlocking(false);
                fill(client, payload);
                clients.add(client);
                final SocketChannel accepted = upstream.accept();
                if (accepted != null)
                {
                    closer.keep(accepted);
                }
            }
            Await.until(() -> direct.getMemoryUsed() - before >= 100L * BUFFER, Duration.ofSeconds(30),
                "stalled sessions each hold a buffer");
            final long held = direct.getMemoryUsed() - before;

            for (final SocketChannel client : clients)
            {
                client.setOption(StandardSocketOptions.SO_LINGER, 0); // a reset ends the session at once
                client.close();
            }
            Await.until(() -> vigil.closed().size() >= SESSIONS, Duration.ofSeconds(60), "sessions closed");
            Await.until(() -> direct.getMemoryUsed() - before < 32L * BUFFER, Duration.ofSeconds(30),
                () -> "the burst's " + (held >> 10) + " KiB of buffers given back; still held: " +
                    ((direct.getMemoryUsed() - before) >> 10) + " KiB");
        }
        finally
        {
            System.clearProperty("vigil.buffers.trim-period-ms");
        }
    }

    /**
     * Sends until the path to the upstream (its tiny receive buffer, Vigil's socket buffers and Vigil's own
     * buffer) is full and the client's socket takes no more.
     */
    private static void fill(final SocketChannel client, final ByteBuffer payload) throws Exception
    {
        long sent = 0;
        int refused = 0;
        while (sent < MAX_SENT_PER_CLIENT && refused < 3)
        {
            final int written = client.write(payload.clear());
            sent += written;
            if (written == 0)
            {
                refused++;
                Thread.sleep(5);
            }
        }
    }
}
