package io.vigil.http;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.TempFiles;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * HTTP mode at the buffer-memory cap, mid-exchange: the request was read, the upstream refused the connect, and no
 * buffer is left for the 502. The client must not be left hanging: it gets a 5xx or a close (today a close, no 5xx).
 */
@Timeout(120)
class HttpBufferCapUpstreamRefusedTest
{
    private static final int SIZE = 16 * 1024;
    private static final int CAP_BUFFERS = 8;
    private static final int ROOM = 3;

    @Test
    void shouldAnswerOrCloseTheClientWhenNoBufferIsLeftForTheBadGateway() throws Exception
    {
        final int refusedPort;
        try (ServerSocket closed = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            refusedPort = closed.getLocalPort(); // closed below: connects to it are refused
        }
        try (Closer closer = new Closer(); ServerSocketChannel hold = stalledUpstream())
        {
            final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c", config(hold, refusedPort)));
            final InetSocketAddress admin = vigil.admin();
            final InetSocketAddress holdListener = new InetSocketAddress("127.0.0.1", vigil.port("hold"));

            // admitted first, while there is room; the request is sent once the cap is all but reached
            final Socket web = closer.keep(new Socket());
            web.connect(new InetSocketAddress("127.0.0.1", vigil.port("web")), 5_000);
            Await.until(() -> metric(admin, "vigil_listener_connections_accepted_total{listener=\"web\"}") == 1,
                Duration.ofSeconds(20), "web admitted");

            // stalled sessions take one buffer each until exactly one buffer of room is left (the request's)
            final long max = (long)Admin.metric(admin, "vigil_buffer_memory_max_bytes");
            final long fillTo = max - (long)ROOM * SIZE;
            for (int i = 0; i < 3 * CAP_BUFFERS && Admin.metric(admin, "vigil_buffer_memory_bytes") < fillTo; i++)
            {
                final SocketChannel client = closer.keep(SocketChannel.open(holdListener));
                final int opened = i + 1;
                Await.until(() -> metric(admin, "vigil_listener_connections_accepted_total{listener=\"hold\"}") +
                    metric(admin, "vigil_listener_connections_rejected_total{listener=\"hold\"," +
                        "reason=\"buffer_memory\"}") >= opened, Duration.ofSeconds(20), "admitted or refused");
                SocketChannel accepted;
                while ((accepted = hold.accept()) != null)
                {
                    closer.keep(accepted);
                }
                client.configureBlocking(false);
                fill(client);
            }
            web.setSoTimeout(15_000);
            web.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            final InputStream in = web.getInputStream();
            try
            {
                final byte[] got = in.readNBytes(12);
                // a 5xx, or a close without one: either ends the exchange for the client
                if (got.length == 12 && !new String(got, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 5"))
                {
                    fail("unexpected answer: " + new String(got, StandardCharsets.US_ASCII));
                }
            }
            catch (final SocketTimeoutException hung)
            {
                fail("the client was neither answered nor closed within 15 s; buffer memory " +
                    Admin.metric(admin, "vigil_buffer_memory_bytes") + " of " + max + ", log:\n" + vigil.output());
            }
            catch (final IOException reset)
            {
                // closed by Vigil: fine
            }
            assertTrue(metric(admin, "vigil_buffer_memory_refusals_total") >= 1, "a buffer was refused mid-exchange");
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

    private static ServerSocketChannel stalledUpstream() throws IOException
    {
        final ServerSocketChannel hold = ServerSocketChannel.open();
        hold.setOption(StandardSocketOptions.SO_RCVBUF, 4096); // inherited: the upstream reads nothing
        hold.bind(new InetSocketAddress("127.0.0.1", 0), 256);
        hold.configureBlocking(false);
        return hold;
    }

    private static String config(final ServerSocketChannel hold, final int refusedPort) throws IOException
    {
        final int holdPort = ((InetSocketAddress)hold.getLocalAddress()).getPort();
        return TempFiles.write("vigil-http-cap", ".conf", "vigil { event-loops = 1, max-buffer-memory = " +
            CAP_BUFFERS * SIZE + ", admin { listen = \"127.0.0.1:0\" }, listeners = [" +
            "{ name = hold, listen = \"127.0.0.1:0\", upstream = hold, buffer-size = " + SIZE +
            ", access-log = false }, " +
            "{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = gone, buffer-size = " + SIZE +
            ", access-log = false }], upstreams { hold { servers = [\"127.0.0.1:" + holdPort + "\"] }, " +
            "gone { servers = [\"127.0.0.1:" + refusedPort + "\"] } } }").getPath();
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
                return;
            }
            sent += written;
            still = written == 0 ? still + 1 : 0;
            if (written == 0)
            {
                Thread.sleep(20); // Vigil drains into its buffer meanwhile; three still rounds mean it is full
            }
        }
    }
}
