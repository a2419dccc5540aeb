package io.vigil.tcp;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.TempFiles;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * vigil.max-buffer-memory counts a buffer pooled for reuse as held, so at the cap the pools give up what they hold
 * idle: otherwise the buffers one pool keeps after its sessions end are room no other pool (another buffer size, or
 * another loop) can use until a trim frees them, and a trim keeps 16 per pool for good. Two listeners with different
 * buffer sizes: once sessions of the first reached the cap and all ended, with no session open at all, a connection
 * to the second is served: at once with one loop (the accepting loop frees its own idle buffers before refusing), and
 * with two loops within a few attempts (the other loop frees its own when asked, a command later).
 */
@Timeout(120)
class BufferMemoryAcrossPoolsTest
{
    private static final int SMALL = 16 * 1024;
    private static final int CAP_BUFFERS = 8;

    @Test
    void shouldServeAnotherBufferSizeOnceTheSessionsThatReachedTheCapHaveEnded() throws Exception
    {
        servedAfterTheCap(1, 1);
    }

    @Test
    void shouldServeAnotherBufferSizeOnAnotherLoopWithinAFewAttempts() throws Exception
    {
        servedAfterTheCap(2, 3);
    }

    private static void servedAfterTheCap(final int loops, final int attempts) throws Exception
    {
        try (Closer closer = new Closer();
            ServerSocketChannel hold = stalledUpstream();
            TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c", config(hold, echo, loops)));
            final InetSocketAddress admin = vigil.admin();
            final InetSocketAddress holdListener = new InetSocketAddress("127.0.0.1", vigil.port("hold"));
            final InetSocketAddress bigListener = new InetSocketAddress("127.0.0.1", vigil.port("big"));

            final List<SocketChannel> stalled = new ArrayList<>();
            for (int i = 1; i <= 3 * CAP_BUFFERS && rejected(admin, "hold") == 0; i++)
            {
                final SocketChannel client = closer.keep(SocketChannel.open(holdListener));
                client.configureBlocking(false);
                stalled.add(client);
                final int opened = i;
                Await.until(() -> metric(admin, "vigil_listener_connections_accepted_total{listener=\"hold\"}") +
                    rejected(admin, "hold") == opened, Duration.ofSeconds(20), "the connection admitted or refused");
                SocketChannel accepted;
                while ((accepted = hold.accept()) != null)
                {
                    closer.keep(accepted);
                }
                fill(client);
            }
            assertEquals(1.0, rejected(admin, "hold"), "the cap was reached");
            for (final SocketChannel client : stalled)
            {
                client.setOption(StandardSocketOptions.SO_LINGER, 0);
                client.close();
            }
            Await.until(() -> metric(admin, "vigil_listener_connections_active{listener=\"hold\"}") == 0,
                Duration.ofSeconds(30), "stalled sessions closed");

            // no session is open anywhere: one of the next attempts must be served
            final byte[] data = new byte[64 * 1024];
            new Random(7).nextBytes(data);
            for (int attempt = 1; attempt < attempts && !echoed(bigListener, data); attempt++)
            {
                Await.until(() -> rejected(admin, "big") >= 1, Duration.ofSeconds(5), "the refusal counted");
            }
            final double refusedBefore = rejected(admin, "big");
            try (Socket socket = new Socket())
            {
                socket.connect(bigListener, 5_000);
                socket.setSoTimeout(20_000);
                final OutputStream out = socket.getOutputStream();
                final InputStream in = socket.getInputStream();
                final byte[] back = new byte[data.length];
                int got = 0;
                try
                {
                    out.write(data);
                    int n;
                    while (got < back.length && (n = in.read(back, got, back.length - got)) > 0)
                    {
                        got += n;
                    }
                }
                catch (final IOException closed)
                {
                    // closed by Vigil: counted below
                }
                assertEquals(refusedBefore, rejected(admin, "big"), "connections to 'big' closed at accept with " +
                    "no session open, after " + attempts + " attempts; buffer memory held: " +
                    metric(admin, "vigil_buffer_memory_bytes") + " of " +
                    metric(admin, "vigil_buffer_memory_max_bytes"));
                assertArrayEquals(data, Arrays.copyOf(back, got));
            }
        }
    }

    private static double rejected(final InetSocketAddress admin, final String listener)
    {
        return Math.max(0, metric(admin,
            "vigil_listener_connections_rejected_total{listener=\"" + listener + "\",reason=\"buffer_memory\"}"));
    }

    private static ServerSocketChannel stalledUpstream() throws IOException
    {
        final ServerSocketChannel hold = ServerSocketChannel.open();
        hold.setOption(StandardSocketOptions.SO_RCVBUF, 4096); // inherited: the upstream reads nothing
        hold.bind(new InetSocketAddress("127.0.0.1", 0), 256);
        hold.configureBlocking(false);
        return hold;
    }

    /** One echo session through big, false when Vigil closed it (refused: counted by the caller). */
    private static boolean echoed(final InetSocketAddress big, final byte[] data) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(big, 5_000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(data);
            final byte[] back = socket.getInputStream().readNBytes(data.length);
            return Arrays.equals(data, back);
        }
        catch (final IOException closed)
        {
            return false;
        }
    }

    private static String config(final ServerSocketChannel hold, final TestUpstream echo, final int loops)
        throws IOException
    {
        final int holdPort = ((InetSocketAddress)hold.getLocalAddress()).getPort();
        return TempFiles.write("vigil-buffer-pools", ".conf", "vigil { event-loops = " + loops +
            ", max-buffer-memory = " +
            CAP_BUFFERS * SMALL + ", admin { listen = \"127.0.0.1:0\" }, listeners = [" +
            "{ name = hold, listen = \"127.0.0.1:0\", upstream = hold, buffer-size = " + SMALL +
            ", access-log = false }, " +
            "{ name = big, listen = \"127.0.0.1:0\", upstream = echo, buffer-size = " + 2 * SMALL +
            ", access-log = false }], upstreams { hold { servers = [\"127.0.0.1:" + holdPort + "\"] }, " +
            "echo { servers = [\"" + echo.hostPort() + "\"] } } }").getPath();
    }

    /** Sends until the path to the stalled upstream, Vigil's buffer included, is full. */
    private static void fill(final SocketChannel client) throws Exception
    {
        final ByteBuffer payload = ByteBuffer.allocateDirect(256 * 1024);
        long sent = 0;
        int still = 0;
        while (sent < (16L << 20) && still < 3)
        {
            final int written;
            try
            {
                written = client.write(payload.clear());
            }
            catch (final IOException ex)
            {
                return; // Vigil closed it (no buffer for it)
            }
            sent += written;
            still = written == 0 ? still + 1 : 0;
            if (written == 0)
            {
                Thread.sleep(20); // Vigil drains into its buffer meanwhile; three still rounds mean it is full
            }
        }
    }

    private static double metric(final InetSocketAddress admin, final String series)
    {
        try
        {
            return Admin.metric(admin, series);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
