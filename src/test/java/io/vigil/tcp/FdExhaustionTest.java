package io.vigil.tcp;

import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.TempFiles;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Running out of file descriptors is Vigil's problem, not the upstream's: sessions that cannot get a socket fail
 * locally, accepting pauses instead of spinning, and the upstream is not marked failed, so service resumes at
 * once when descriptors are free again.
 */
@Timeout(60)
class FdExhaustionTest
{
    @Test
    void shouldNotBlameTheUpstreamWhenVigilRunsOutOfDescriptors() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final File conf = tcpConf(upstream, "");
            try (VigilProcess vigil = VigilProcess.startCommand(limited(conf)))
            {
                final int port = vigil.port("pub");
                // one whole session first (relay and close), so its classes are loaded while descriptors are free:
                // from a class directory every class load needs a descriptor (the production jar is already open)
                Await.until(() -> relays(port), Duration.ofSeconds(5), "a first session relays");
                vigil.awaitOutput(" listener=pub ", Duration.ofSeconds(5));
                // more connections than 64 descriptors allow: some sessions cannot open their upstream socket
                final List<Socket> clients = connect(port, 40, 1000);
                final Echoes echoes = echoOnEach(clients, Waiting.COUNTS_AS_REFUSED, vigil);
                assertTrue(echoes.refused() > 0, "the descriptor limit was reached (relayed " + echoes.relayed() +
                    ")\n" + vigil.output());
                assertTrue(echoes.relayed() > 0, "sessions within the limit relayed\n" + vigil.output());
                closeAll(clients);
                final int sessions = echoes.relayed();
                Await.until(() -> vigil.output().lines().filter(l -> l.contains(" listener=pub ")).count() >= sessions,
                    Duration.ofSeconds(10), "sessions closed");

                // descriptors are free again: the very next session reaches the upstream on its first try
                Await.until(() -> relays(port), Duration.ofSeconds(5), "service resumes");
                assertFalse(vigil.output().contains("unavailable for fail-timeout"),
                    "the upstream was not blamed:\n" + vigil.output());
                assertFalse(vigil.output().contains("tries=0"), vigil.output());
                // which local failure shows depends on descriptor parity: an accept that fails (EMFILE), or an
                // accepted session that cannot open its upstream socket; shouldLogAndPause... forces the first
                assertTrue(vigil.output().contains("reason=error side=proxy") ||
                    vigil.output().contains("accept failed"), "local failures were reported:\n" + vigil.output());
                assertEquals(0, vigil.output().lines().filter(l -> l.contains("reason=connect_failed")).count(),
                    vigil.output());
            }
        }
    }

    @Test
    void shouldKeepVigilOffTheDescriptorLimitWithMaxConnections() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            // 64 descriptors, half taken by the JVM (class path, epoll, pipes); 6 sessions hold 12: the limit refuses
            // the rest before Vigil runs out
            final File conf = tcpConf(upstream, " max-connections = 6,");
            try (VigilProcess vigil = VigilProcess.startCommand(limited(conf)))
            {
                final int port = vigil.port("pub");
                Await.until(() -> relays(port), Duration.ofSeconds(5), "a first session relays");
                // and has ended (logged), so it no longer counts against max-connections
                vigil.awaitOutput(" listener=pub ", Duration.ofSeconds(5));
                final List<Socket> clients = connect(port, 40, 3000);
                final Echoes echoes = echoOnEach(clients, Waiting.FAILS, vigil);
                assertEquals(6, echoes.relayed(), "max-connections sessions relayed\n" + vigil.output());
                assertEquals(34, echoes.refused(), vigil.output());
                assertFalse(vigil.output().contains("accept failed"), "never out of descriptors:\n" + vigil.output());
                assertFalse(vigil.output().contains("reason=error"), vigil.output());
                closeAll(clients);
                Await.until(() -> relays(port), Duration.ofSeconds(5), "service goes on once sessions close");
            }
        }
    }

    @Test
    void shouldLogAndPauseAcceptingWhileOutOfDescriptors() throws Exception
    {
        try (TestOrigin origin = TestOrigin.start())
        {
            // idle HTTP clients hold one descriptor each and no upstream: they use up the limit exactly
            final File conf = httpConf(origin);
            try (VigilProcess vigil = VigilProcess.startCommand(limited(conf)))
            {
                final int port = vigil.port("web");
                Await.until(() -> answers(port), Duration.ofSeconds(5), "a first request is answered");
                final List<Socket> clients = connect(port, 80, 0); // the backlog takes them
                vigil.awaitOutput("accept failed, pausing accepts", Duration.ofSeconds(10));
                // connections wait in the backlog and epoll keeps saying "acceptable": pausing must not spin
                final long cpuBefore = cpuMillis(vigil.process().pid());
                final long start = System.nanoTime();
                Await.until(() -> System.nanoTime() - start > 2_000_000_000L, Duration.ofSeconds(5), "2 s pass");
                final long cpu = cpuMillis(vigil.process().pid()) - cpuBefore;
                assertTrue(cpu < 600, "Vigil used " + cpu + " ms of CPU in 2 s while out of descriptors");
                closeAll(clients);
                Await.until(() -> answers(port), Duration.ofSeconds(10),
                    () -> "accepting resumes once descriptors are free\n" + vigil.output());
            }
        }
    }

    @Test
    void shouldResumeAcceptingAsSoonAsASessionClosesNotAfterTheFallbackPause() throws Exception
    {
        try (TestOrigin origin = TestOrigin.start())
        {
            resumesOnAClose(origin, held ->
            {
                // one held client leaves: its session closes, and the descriptor it frees lets the queued one in
                held.remove(0).close();
            });
        }
    }

    @Test
    void shouldResumeAcceptingWhenAnUpstreamSocketClosesWhileItsClientsStay() throws Exception
    {
        try (TestOrigin origin = TestOrigin.start())
        {
            // the origin closes the idle pooled connection: Vigil closes its end, and no client goes
            resumesOnAClose(origin, held -> origin.closeAll());
        }
    }

    /** What frees one of Vigil's descriptors while a client waits in the backlog of a paused acceptor. */
    private interface Freeing
    {
        void free(List<RawHttp> held) throws IOException;
    }

    /**
     * Hold keep-alive clients until Vigil runs out of descriptors with one client left in the backlog, free a
     * descriptor, and require that client to be answered well before the (60 s) fallback pause: only a close that
     * tells the paused acceptor lets it in.
     */
    private static void resumesOnAClose(final TestOrigin origin, final Freeing freeing) throws Exception
    {
        final File conf = httpConf(origin);
        final List<RawHttp> held = new ArrayList<>();
        try (VigilProcess vigil = VigilProcess.startCommand(limited(conf, "-Dvigil.accept.pause-ms=60000")))
        {
            final InetSocketAddress address = new InetSocketAddress("127.0.0.1", vigil.port("web"));
            Await.until(() -> answers(address.getPort()), Duration.ofSeconds(5), "a first request is answered");
            // keep-alive clients one by one, each answered once and then held (one descriptor each), until one
            // is not answered: Vigil ran out of descriptors, paused accepting and left that one in the backlog
            RawHttp queued = null;
            for (int i = 0; i < 80 && queued == null; i++)
            {
                final RawHttp client = new RawHttp(address);
                held.add(client);
                client.socket().setSoTimeout(1000);
                client.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
                try
                {
                    client.read(false);
                }
                catch (final SocketTimeoutException ex)
                {
                    queued = client;
                }
            }
            assertTrue(queued != null, "the descriptor limit was reached\n" + vigil.output());
            vigil.awaitOutput("accept failed, pausing accepts", Duration.ofSeconds(10));

            freeing.free(held);
            queued.socket().setSoTimeout(20_000);
            try
            {
                // an answer, or a close: either way Vigil accepted it (with one descriptor free, the request may
                // find none left for its upstream socket); left in the backlog it would hear nothing
                queued.read(false);
            }
            catch (final SocketTimeoutException ex)
            {
                throw new AssertionError("the queued client waited for the fallback pause, not for the " +
                    "close\n" + vigil.output(), ex);
            }
            catch (final IOException closedByVigil)
            {
                // accepted, then closed
            }
        }
        finally
        {
            for (final RawHttp client : held)
            {
                client.close();
            }
        }
    }

    @Test
    void shouldNotTakeServersDownWhenAHealthCheckCannotOpenASocket() throws Exception
    {
        try (TestOrigin origin = TestOrigin.start())
        {
            final File conf = TempFiles.write("vigil-fd", ".conf", "vigil { event-loops = 1, listeners = [" +
                "{ name = pub, listen = \"127.0.0.1:0\", upstream = up }, " +
                "{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = up }]," +
                " upstreams { up { servers = [\"" + origin.hostPort() + "\"], on-down = close-sessions," +
                " health-check { type = tcp, interval = 100ms, rise = 1, fall = 1 } } } }");
            try (VigilProcess vigil = VigilProcess.startCommand(limited(conf)))
            {
                final int web = vigil.port("web");
                Await.until(() -> answers(web), Duration.ofSeconds(5), "a first request is answered");
                final Socket session = new Socket("127.0.0.1", vigil.port("pub"));
                session.setSoTimeout(5000);
                assertEquals(200, exchange(session), "a long-lived session through the checked server");
                final List<Socket> clients = connect(web, 80, 0);
                vigil.awaitOutput("health check skipped", Duration.ofSeconds(10));
                closeAll(clients);
                assertEquals(200, exchange(session), "the session was not closed as if its server went down");
                assertFalse(vigil.output().contains("is DOWN"), vigil.output());
                session.close();
            }
        }
    }

    /** @return the command that runs Vigil on this config with at most 64 descriptors, these JVM options first. */
    private static List<String> limited(final File conf, final String... jvmOptions)
    {
        final List<String> java = new ArrayList<>(VigilProcess.vigilJavaCommand());
        java.addAll(1, List.of(jvmOptions));
        return List.of("sh", "-c", "ulimit -n 64 && exec " + String.join(" ", java) + " run -c " + conf.getPath());
    }

    /** @return a tcp listener "pub" in front of the upstream; {@code listenerKeys} e.g. " max-connections = 6,". */
    private static File tcpConf(final TestUpstream upstream, final String listenerKeys) throws IOException
    {
        return TempFiles.write("vigil-fd", ".conf",
            "vigil { event-loops = 1, listeners = [{ name = pub," + listenerKeys +
            " listen = \"127.0.0.1:0\", upstream = up }], upstreams { up { servers = [\"" + upstream.hostPort() +
            "\"] } } }");
    }

    /** @return an http listener "web" in front of the origin. */
    private static File httpConf(final TestOrigin origin) throws IOException
    {
        return TempFiles.write("vigil-fd", ".conf",
            "vigil { event-loops = 1, listeners = [{ name = web," +
            " listen = \"127.0.0.1:0\", mode = http, upstream = up }], upstreams { up { servers = [\"" +
            origin.hostPort() + "\"] } } }");
    }

    /** @return {@code count} clients connected to the port (the backlog takes them), with this read timeout. */
    private static List<Socket> connect(final int port, final int count, final int soTimeoutMs) throws IOException
    {
        final List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final Socket client = new Socket();
            client.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            client.setSoTimeout(soTimeoutMs);
            clients.add(client);
        }
        return clients;
    }

    private static void closeAll(final List<Socket> clients) throws IOException
    {
        for (final Socket client : clients)
        {
            client.close();
        }
    }

    /** What a client that gets neither its echo nor a close within its read timeout means. */
    private enum Waiting
    {
        COUNTS_AS_REFUSED,
        FAILS
    }

    /** How many clients had their byte echoed, and how many were closed (or reset) instead. */
    private record Echoes(int relayed, int refused)
    {
    }

    /** Sends one byte on each client and counts who gets it back. */
    private static Echoes echoOnEach(final List<Socket> clients, final Waiting waiting, final VigilProcess vigil)
    {
        int relayed = 0;
        int refused = 0;
        for (final Socket client : clients)
        {
            try
            {
                client.getOutputStream().write(1);
                if (client.getInputStream().read() == 1)
                {
                    relayed++;
                }
                else
                {
                    refused++;
                }
            }
            catch (final SocketTimeoutException ex)
            {
                if (waiting == Waiting.FAILS)
                {
                    throw new AssertionError("a connection over the limit must be closed at once, not left " +
                        "waiting\n" + vigil.output(), ex);
                }
                refused++;
            }
            catch (final IOException ex)
            {
                refused++;
            }
        }
        return new Echoes(relayed, refused);
    }

    /** A GET through a tcp session to the HTTP origin; the origin keeps the connection. */
    private static int exchange(final Socket session) throws IOException
    {
        session.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".getBytes());
        // read the whole response (head, then Content-Length bytes): it may arrive in several segments
        final java.io.InputStream in = session.getInputStream();
        final StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n"))
        {
            final int b = in.read();
            if (b < 0)
            {
                return -1;
            }
            head.append((char)b);
        }
        final java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
            .matcher(head);
        in.skipNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
        return Integer.parseInt(head.substring(9, 12));
    }

    private static boolean answers(final int port)
    {
        try (RawHttp http = new RawHttp(new InetSocketAddress("127.0.0.1", port)))
        {
            return http.get("/hello").status() == 200;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** utime + stime of a process, from /proc (clock ticks of 10 ms). */
    private static long cpuMillis(final long pid) throws IOException
    {
        final String stat = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/" + pid +
            "/stat")));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    }

    private static boolean relays(final int port)
    {
        try (Socket probe = new Socket("127.0.0.1", port))
        {
            probe.setSoTimeout(2000);
            probe.getOutputStream().write(9);
            return probe.getInputStream().read() == 9;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
