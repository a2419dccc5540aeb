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
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * vigil.max-buffer-memory, with a real Vigil process: stalled sessions (an upstream that never reads) keep their
 * buffers borrowed until the cap; then a new connection is closed at accept, counted and logged, the process and
 * its loop go on, and once the stalled sessions end, new sessions relay again with every byte intact. And the same
 * when the JVM's direct memory (-XX:MaxDirectMemorySize) runs out below the cap: allocateDirect's OutOfMemoryError
 * stops at the pool and closes only the session that asked (with -XX:+ExitOnOutOfMemoryError on, as in the image).
 */
@Timeout(180)
class BufferMemoryCapTest
{
    private static final int BUFFER = 16 * 1024;
    private static final int CAP_BUFFERS = 8;
    private static final int MAX_STALLED = 3 * CAP_BUFFERS;
    private static final long MAX_SENT_PER_CLIENT = 16L << 20;

    @Test
    void shouldRefuseNewConnectionsAtTheCapAndRelayIntactOnceBuffersFree() throws Exception
    {
        try (Closer closer = new Closer();
            ServerSocketChannel hold = stalledUpstream();
            TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c",
                config(hold, echo, "max-buffer-memory = " + CAP_BUFFERS * BUFFER)));
            final InetSocketAddress admin = vigil.admin();
            final InetSocketAddress holdListener = new InetSocketAddress("127.0.0.1", vigil.port("hold"));
            final InetSocketAddress echoListener = new InetSocketAddress("127.0.0.1", vigil.port("echo"));
            assertEquals(CAP_BUFFERS * BUFFER, Admin.metric(admin, "vigil_buffer_memory_max_bytes"));
            assertIntactEcho(echoListener, 256 * 1024, 1);

            final List<SocketChannel> stalled = stallUntilRefused(closer, hold, holdListener, admin);
            final int held = stalled.size() - 1;
            assertTrue(held >= CAP_BUFFERS - 2 && held <= CAP_BUFFERS,
                "sessions holding a buffer at the cap: " + held + " (cap " + CAP_BUFFERS + " buffers)");
            final double inUse = Admin.metric(admin, "vigil_buffer_memory_bytes");
            assertTrue(inUse > 0 && inUse <= CAP_BUFFERS * BUFFER, "buffer memory in use " + inUse);

            // at the cap a new connection is closed at once, however it would be used
            try (Socket refused = new Socket())
            {
                refused.connect(echoListener, 5_000);
                refused.setSoTimeout(20_000);
                assertEquals(-1, readOrReset(refused.getInputStream()), "the new connection is closed");
            }
            assertEquals(1, Admin.metric(admin,
                "vigil_listener_connections_rejected_total{listener=\"echo\",reason=\"buffer_memory\"}"));
            // http mode is admitted by the same rule
            try (Socket refused = new Socket())
            {
                refused.connect(new InetSocketAddress("127.0.0.1", vigil.port("web")), 5_000);
                refused.setSoTimeout(20_000);
                assertEquals(-1, readOrReset(refused.getInputStream()), "the new http connection is closed");
            }
            assertEquals(1, Admin.metric(admin,
                "vigil_listener_connections_rejected_total{listener=\"web\",reason=\"buffer_memory\"}"));
            vigil.awaitOutput("buffer memory exhausted", Duration.ofSeconds(10));

            for (final SocketChannel client : stalled)
            {
                client.setOption(StandardSocketOptions.SO_LINGER, 0); // a reset ends the session at once
                client.close();
            }
            Await.until(() -> metric(admin, "vigil_listener_connections_active{listener=\"hold\"}") == 0,
                Duration.ofSeconds(30), "stalled sessions closed");
            assertIntactEcho(echoListener, 1 << 20, 4);
            assertEquals(0, Admin.metric(admin, "vigil_loop_handler_failures_total"));
            assertTrue(vigil.process().isAlive());
        }
    }

    @Test
    void shouldCloseOnlyTheSessionWhenDirectMemoryRunsOutBelowTheCap() throws Exception
    {
        try (Closer closer = new Closer();
            ServerSocketChannel hold = stalledUpstream();
            TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            // 3 MiB of direct memory: the access-log ring takes 1, the rest is ~30 buffers, far below the cap
            final List<String> command = new ArrayList<>(VigilProcess.vigilJavaCommand());
            command.addAll(1, List.of("-XX:MaxDirectMemorySize=3m", "-XX:+ExitOnOutOfMemoryError"));
            command.addAll(List.of("run", "-c", config(hold, echo, "max-buffer-memory = 64m")));
            final VigilProcess vigil = closer.keep(VigilProcess.startCommand(command));
            final InetSocketAddress admin = vigil.admin();
            final InetSocketAddress holdListener = new InetSocketAddress("127.0.0.1", vigil.port("hold"));
            final InetSocketAddress echoListener = new InetSocketAddress("127.0.0.1", vigil.port("echo"));

            final List<SocketChannel> stalled = new ArrayList<>();
            for (int i = 0; i < 4 * 3 * 1024 * 1024 / BUFFER && metric(admin, "vigil_buffer_memory_refusals_total") < 1;
                i++)
            {
                final SocketChannel client = closer.keep(SocketChannel.open(holdListener));
                client.configureBlocking(false);
                stalled.add(client);
                acceptAll(closer, hold);
                fill(client);
            }
            Await.until(() -> metric(admin,
                    "vigil_sessions_closed_total{listener=\"hold\",reason=\"buffer_memory\",side=\"proxy\"}") >= 1,
                Duration.ofSeconds(30), () -> "a session closed for want of a buffer:\n" + vigil.outputTail(4000));
            vigil.awaitOutput("allocateDirect failed", Duration.ofSeconds(10));
            // the cap came down to what the JVM could give: no further allocateDirect pays the JDK's GC and sleeps
            final double cap = Admin.metric(admin, "vigil_buffer_memory_max_bytes");
            assertTrue(cap > 0 && cap < 3 << 20, "the cap after the JVM ran out: " + cap);
            assertTrue(vigil.process().isAlive(), "the JVM did not exit on the OutOfMemoryError");

            for (final SocketChannel client : stalled)
            {
                client.setOption(StandardSocketOptions.SO_LINGER, 0);
                client.close();
            }
            Await.until(() -> metric(admin, "vigil_listener_connections_active{listener=\"hold\"}") == 0,
                Duration.ofSeconds(30), "stalled sessions closed");
            assertIntactEcho(echoListener, 1 << 20, 2);
            assertEquals(0, Admin.metric(admin, "vigil_loop_handler_failures_total"));
        }
    }

    /**
     * Opens sessions to the upstream that never reads, each filled until its buffer in Vigil is full, until one
     * is refused at accept.
     *
     * @return the sessions opened, the refused one last.
     */
    private static List<SocketChannel> stallUntilRefused(final Closer closer, final ServerSocketChannel hold,
        final InetSocketAddress listener, final InetSocketAddress admin) throws Exception
    {
        final List<SocketChannel> clients = new ArrayList<>();
        for (int i = 1; i <= MAX_STALLED; i++)
        {
            final SocketChannel client = closer.keep(SocketChannel.open(listener));
            client.configureBlocking(false);
            clients.add(client);
            final int opened = i;
            Await.until(() -> metric(admin, "vigil_listener_connections_accepted_total{listener=\"hold\"}") +
                    rejected(admin) == opened, Duration.ofSeconds(20), "the connection admitted or refused");
            if (rejected(admin) > 0)
            {
                return clients;
            }
            acceptAll(closer, hold);
            fill(client);
        }
        throw new AssertionError(MAX_STALLED + " stalled sessions and no refusal: the cap is not enforced");
    }

    private static double rejected(final InetSocketAddress admin)
    {
        return Math.max(0,
            metric(admin, "vigil_listener_connections_rejected_total{listener=\"hold\",reason=\"buffer_memory\"}"));
    }

    private static ServerSocketChannel stalledUpstream() throws IOException
    {
        final ServerSocketChannel hold = ServerSocketChannel.open();
        hold.setOption(StandardSocketOptions.SO_RCVBUF, 4096); // inherited: the upstream reads nothing
        hold.bind(new InetSocketAddress("127.0.0.1", 0), 256);
        hold.configureBlocking(false);
        return hold;
    }

    private static void acceptAll(final Closer closer, final ServerSocketChannel hold) throws IOException
    {
        SocketChannel accepted;
        while ((accepted = hold.accept()) != null)
        {
            closer.keep(accepted);
        }
    }

    private static String config(final ServerSocketChannel hold, final TestUpstream echo, final String cap)
        throws IOException
    {
        final int holdPort = ((InetSocketAddress)hold.getLocalAddress()).getPort();
        return TempFiles.write("vigil-buffer-cap", ".conf", "vigil { event-loops = 1, " + cap + ", " +
            "admin { listen = \"127.0.0.1:0\" }, listener-defaults { buffer-size = " + BUFFER + " }, listeners = [" +
            "{ name = hold, listen = \"127.0.0.1:0\", upstream = hold, access-log = false }, " +
            "{ name = echo, listen = \"127.0.0.1:0\", upstream = echo, access-log = false }, " +
            "{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = echo, access-log = false }], " +
            "upstreams { " +
            "hold { servers = [\"127.0.0.1:" + holdPort + "\"] }, echo { servers = [\"" + echo.hostPort() +
            "\"] } } }").getPath();
    }

    /** Sends until the path to the stalled upstream, Vigil's buffer included, is full. */
    private static void fill(final SocketChannel client) throws Exception
    {
        final ByteBuffer payload = ByteBuffer.allocateDirect(256 * 1024);
        long sent = 0;
        int refused = 0;
        while (sent < MAX_SENT_PER_CLIENT && refused < 3)
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
            refused = written == 0 ? refused + 1 : 0;
            if (written == 0)
            {
                Thread.sleep(20); // Vigil drains into its buffer meanwhile; three still rounds mean it is full
            }
        }
    }

    /** Sessions at once, each sending random bytes through the echo upstream and checking what comes back. */
    private static void assertIntactEcho(final InetSocketAddress listener, final int bytes, final int sessions)
        throws Exception
    {
        // threads of its own: the common pool may have one worker on this 2-core machine, and a reader waiting
        // there for its writer queued behind it would never see its bytes
        final ExecutorService threads = Executors.newCachedThreadPool();
        try
        {
            final List<Future<?>> runs = new ArrayList<>();
            for (int s = 0; s < sessions; s++)
            {
                final long seed = s;
                runs.add(threads.submit(() -> echoOnce(listener, bytes, seed, threads)));
            }
            for (final Future<?> run : runs)
            {
                run.get();
            }
        }
        finally
        {
            threads.shutdownNow();
        }
    }

    private static void echoOnce(final InetSocketAddress listener, final int bytes, final long seed,
        final ExecutorService threads)
    {
        final byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        try (Socket socket = new Socket())
        {
            socket.connect(listener, 5_000);
            socket.setSoTimeout(30_000);
            final Future<?> writer = threads.submit(() ->
            {
                try
                {
                    final OutputStream out = socket.getOutputStream();
                    out.write(data);
                    socket.shutdownOutput();
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            final CRC32 received = new CRC32();
            final InputStream in = socket.getInputStream();
            final byte[] chunk = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(chunk)) > 0)
            {
                received.update(chunk, 0, n);
                total += n;
            }
            writer.get();
            final CRC32 sent = new CRC32();
            sent.update(data);
            assertEquals(bytes, total, "bytes echoed");
            assertEquals(sent.getValue(), received.getValue(), "checksum of the echoed bytes");
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static int readOrReset(final InputStream in) throws IOException
    {
        try
        {
            return in.read();
        }
        catch (final java.net.SocketException ex)
        {
            return -1; // reset: closed too
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
