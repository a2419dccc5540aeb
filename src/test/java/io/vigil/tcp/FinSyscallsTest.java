package io.vigil.tcp;

import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.TempFiles;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With half-close on, each FIN is passed on, but the second one goes out with the close of both sockets: one
 * shutdown(SHUT_WR) per connection, not two. Counted by the kernel's view of Vigil's syscalls (strace attached to the
 * running process), on whichever socket layer the test run selects (-Dvigil.test.sockets=kernel: Vigil's own). The
 * client still sees every byte and then a clean EOF, never a reset.
 */
@Timeout(120)
class FinSyscallsTest
{
    private static final int CONNECTIONS = 40;
    private static final int SIZE = 64;
    private static final int STUCK = 8;
    private static final long QUIET_MS = 3000;
    /** An idle loop wakes about 4 times a second (liveness checks every 250 ms); a spinning one thousands of times. */
    private static final int MAX_QUIET_WAITS = 200;

    @RegisterExtension
    final Closer resources = new Closer();

    @Test
    void shouldSendTheSecondFinWithTheCloseAlone() throws Exception
    {
        final TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
        resources.keep(echo);
        final VigilProcess vigil = start(echo);
        final int port = vigil.port("fin");
        final Path trace = trace(vigil);
        // traced once a connection's shutdown shows in the trace: every thread is attached by then
        Await.until(() -> exchange(port) && count(trace, "shutdown(") > 0, Duration.ofSeconds(30),
            "strace sees Vigil's shutdown calls");
        final long shutdownsBefore = count(trace, "shutdown(");
        final long epollCtlBefore = count(trace, "epoll_ctl(");
        for (int i = 0; i < CONNECTIONS; i++)
        {
            assertTrue(exchange(port), "connection " + i + ": every byte back, then EOF");
        }
        // strace writes a call's line after it returned, maybe after the client saw its effect
        Await.until(() -> count(trace, "shutdown(") - shutdownsBefore >= CONNECTIONS, Duration.ofSeconds(30),
            "the trace shows a shutdown per connection at least");
        final long shutdowns = count(trace, "shutdown(") - shutdownsBefore;
        final long epollCtls = count(trace, "epoll_ctl(") - epollCtlBefore;
        System.out.println("FinSyscallsTest: " + CONNECTIONS + " connections: shutdown " + shutdowns +
            ", epoll_ctl " + epollCtls);
        assertEquals(CONNECTIONS, shutdowns, "one shutdown(SHUT_WR) per connection: " + shutdowns);
    }

    /**
     * The client's EOF leaves its read interest on (level-triggered, the key fires again at once); it must then go,
     * or the loop spins on a connection whose upstream never answers the FIN. Counted in epoll waits, which load
     * cannot change: a spinning loop makes thousands a second, an idle one a few (the sweep, the liveness checks).
     */
    @Test
    void shouldNotSpinWhileTheUpstreamNeverFinsAfterTheClient() throws Exception
    {
        final TestUpstream hold = TestUpstream.loopback(TestUpstream.Mode.HOLD);
        resources.keep(hold);
        final VigilProcess vigil = start(hold);
        final int port = vigil.port("fin");
        final Path trace = trace(vigil);
        final List<Socket> clients = new ArrayList<>();
        try
        {
            Await.until(() -> count(trace, "epoll_") > 0, Duration.ofSeconds(30), "strace sees Vigil's epoll calls");
            for (int i = 0; i < STUCK; i++)
            {
                final Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
                clients.add(client);
                client.getOutputStream().write(new byte[SIZE]);
                client.shutdownOutput();
            }
            // every client's FIN passed on: from here on nothing moves until the upstream's FIN, which never comes
            Await.until(() -> count(trace, "shutdown(") >= STUCK, Duration.ofSeconds(30),
                "each client's FIN passed on to the upstream");
            final long waitsBefore = count(trace, "epoll_wait(") + count(trace, "epoll_pwait");
            Thread.sleep(QUIET_MS); // the measured interval, not a wait for a condition
            final long waits = count(trace, "epoll_wait(") + count(trace, "epoll_pwait") - waitsBefore;
            System.out.println("FinSyscallsTest: " + STUCK + " half-closed connections, " + QUIET_MS + " ms: " +
                waits + " epoll waits");
            assertTrue(waits < MAX_QUIET_WAITS, "the loop spins: " + waits + " epoll waits in " + QUIET_MS + " ms");
            for (final Socket client : clients)
            {
                client.setSoTimeout(100);
                assertThrows(SocketTimeoutException.class, () -> client.getInputStream().read(),
                    "the connection is still open, waiting for the upstream");
            }
        }
        finally
        {
            for (final Socket client : clients)
            {
                client.close();
            }
        }
    }

    private VigilProcess start(final TestUpstream upstream) throws Exception
    {
        Assumptions.assumeTrue(new File("/usr/bin/strace").canExecute(), "strace is installed");
        final Path config = TempFiles.write("vigil-fin", ".conf", "vigil { event-loops = 1, listeners = [" +
            "{ name = fin, listen = \"127.0.0.1:0\", upstream = up, access-log = false }], " +
            "upstreams { up { servers = [\"" + upstream.hostPort() + "\"] } } }").toPath();
        final VigilProcess vigil = VigilProcess.start("run", "-c", config.toString());
        resources.keep(vigil);
        return vigil;
    }

    /** strace attached to every thread of Vigil, writing epoll and shutdown calls to a file, until the test ends. */
    private Path trace(final VigilProcess vigil) throws IOException
    {
        final Path trace = Files.createTempFile("vigil-fin", ".strace");
        trace.toFile().deleteOnExit();
        final Process strace = new ProcessBuilder("strace", "-f", "-e",
            "trace=shutdown,epoll_ctl,epoll_wait,epoll_pwait,epoll_pwait2", "-o", trace.toString(),
            "-p", Long.toString(vigil.process().pid()))
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        resources.keep((AutoCloseable)() ->
        {
            strace.destroy();
            strace.waitFor();
        });
        return trace;
    }

    /**
     * One connection as the setup benchmark makes them, then a half-close: send, read the echo, FIN, read EOF.
     */
    private static boolean exchange(final int port)
    {
        final byte[] sent = new byte[SIZE];
        Arrays.fill(sent, (byte)'f');
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(sent);
            final InputStream in = socket.getInputStream();
            assertArrayEquals(sent, in.readNBytes(SIZE));
            socket.shutdownOutput();
            assertEquals(-1, in.read(), "EOF, not a reset");
            return true;
        }
        catch (final IOException ex)
        {
            throw new AssertionError("the exchange failed", ex);
        }
    }

    private static long count(final Path trace, final String call)
    {
        try
        {
            final List<String> lines = Files.readAllLines(trace, StandardCharsets.UTF_8);
            return lines.stream().filter(line -> line.contains(call)).count();
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
