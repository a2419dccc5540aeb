package io.vigil.tcp;

import io.vigil.session.Side;
import io.vigil.session.CloseReason;
import io.vigil.test.Await;
import io.vigil.test.DuplexStream;
import io.vigil.test.RelayRig;
import io.vigil.test.RelayedPair;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes through Vigil arrive exactly, both ways at once, across many concurrent sessions, with half-close
 * forwarded in either order, and a reader that stops makes Vigil stop reading rather than buffer.
 */
@Timeout(120)
class RelayIntegrityTest
{
    private static final int SESSIONS = 16;
    private static final long BYTES_EACH_WAY = 4L * 1024 * 1024; // 16 x 4 MiB = 64 MiB each way

    /** Which end finishes sending first. */
    enum Order
    {
        BOTH_AT_ONCE, CLIENT_FIRST, UPSTREAM_FIRST
    }

    /** An upstream that starts a {@link DuplexStream} on every connection, keyed by the client's port. */
    private static final class DuplexUpstream implements AutoCloseable
    {
        final ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        final Map<Integer, DuplexStream> streams = new ConcurrentHashMap<>();
        final List<Socket> sockets = new ArrayList<>();

        DuplexUpstream(final DuplexStream.Start start, final int seedBase) throws Exception
        {
            final Thread t = new Thread(() ->
            {
                try
                {
                    int index = 0;
                    while (true)
                    {
                        final Socket socket = server.accept();
                        synchronized (sockets)
                        {
                            sockets.add(socket);
                        }
                        streams.put(index, new DuplexStream(socket, BYTES_EACH_WAY, seedBase + index, start, 0)
                            .start());
                        index++;
                    }
                }
                catch (final Exception ex)
                {
                    // closed
                }
            }, "duplex-upstream");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws Exception
        {
            server.close();
            synchronized (sockets)
            {
                for (final Socket socket : sockets)
                {
                    socket.close();
                }
            }
        }
    }

    private static String config(final int upstreamPort)
    {
        return "vigil { event-loops = 2, listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }], " +
            "upstreams { up { servers = [\"127.0.0.1:" + upstreamPort + "\"] } } }";
    }

    @ParameterizedTest
    @EnumSource(Order.class)
    void shouldRelayExactBytesBothWaysWithHalfClose(final Order order) throws Exception
    {
        final DuplexStream.Start upstreamStart =
            order == Order.CLIENT_FIRST ? DuplexStream.Start.AFTER_PEER_EOF : DuplexStream.Start.NOW;
        final DuplexStream.Start clientStart =
            order == Order.UPSTREAM_FIRST ? DuplexStream.Start.AFTER_PEER_EOF : DuplexStream.Start.NOW;
        try (DuplexUpstream upstream = new DuplexUpstream(upstreamStart, 1000);
            VigilHarness vigil = VigilHarness.start(config(upstream.server.getLocalPort())))
        {
            final List<DuplexStream> clients = new ArrayList<>();
            final List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++)
            {
                final Socket socket = VigilHarness.connect(vigil.address("pub"));
                sockets.add(socket);
                // every fourth client reads slowly: backpressure must not lose or reorder bytes
                final int slowRead = i % 4 == 0 ? 16 * 1024 : 0;
                clients.add(new DuplexStream(socket, BYTES_EACH_WAY, i, clientStart, slowRead).start());
                // accept order = connect order, one at a time so client i pairs with upstream stream i
                final int expected = i + 1;
                Await.until(() -> upstream.streams.size() == expected, Duration.ofSeconds(10), "upstream accept");
            }
            for (int i = 0; i < SESSIONS; i++)
            {
                clients.get(i).await(90_000);
                final DuplexStream server = upstream.streams.get(i);
                server.await(90_000);
                assertEquals(BYTES_EACH_WAY, server.received.get(), "client->upstream bytes, session " + i);
                assertEquals(clients.get(i).sentCrc(), server.receivedCrc(), "client->upstream CRC, session " + i);
                assertEquals(BYTES_EACH_WAY, clients.get(i).received.get(), "upstream->client bytes, session " + i);
                assertEquals(server.sentCrc(), clients.get(i).receivedCrc(), "upstream->client CRC, session " + i);
            }
            final List<VigilHarness.Closed> closed = vigil.awaitClosed(SESSIONS, Duration.ofSeconds(10));
            for (final VigilHarness.Closed c : closed)
            {
                assertEquals(CloseReason.EOF, c.reason(), "both directions finished cleanly: " + closed);
            }
            for (final Socket socket : sockets)
            {
                socket.close();
            }
        }
    }

    @Test
    void shouldStopReadingFromUpstreamWhileTheClientDoesNotRead() throws Exception
    {
        final long total = 64L * 1024 * 1024;
        try (ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
            VigilHarness vigil = VigilHarness.start(config(server.getLocalPort())))
        {
            final Socket client = VigilHarness.connect(vigil.address("pub"));
            final Socket upstreamSide = server.accept();
            final DuplexStream upstreamStream = new DuplexStream(upstreamSide, total, 7, DuplexStream.Start.NOW, 0)
                .start();
            final DuplexStream clientStream = new DuplexStream(client, 0, 8, DuplexStream.Start.NOW, 0)
                .holdReads().start();

            // the upstream's writes stall once kernel buffers and Vigil's one buffer are full
            long last = -1;
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true)
            {
                Thread.sleep(500);
                final long now = upstreamStream.sent.get();
                if (now == last)
                {
                    break;
                }
                last = now;
                assertTrue(System.nanoTime() < deadline, "upstream never stalled: sent " + now);
            }
            assertTrue(last < total / 2, "Vigil must not buffer without bound: upstream got " + last +
                " of " + total + " bytes out while the client read nothing");

            clientStream.openReads();
            clientStream.await(60_000);
            upstreamStream.await(60_000);
            assertEquals(total, clientStream.received.get());
            assertEquals(upstreamStream.sentCrc(), clientStream.receivedCrc());
            client.close();
            upstreamSide.close();
            System.out.println("backpressure: upstream stalled after " + last + " bytes");
        }
    }

    @Test
    void shouldCarryHalfCloseAndKeepTheOtherDirectionOpen() throws Exception
    {
        try (RelayRig rig = RelayRig.start(2, "");
            RelayedPair pair = rig.open())
        {
            pair.client().getOutputStream().write("request".getBytes());
            pair.client().shutdownOutput();
            assertEquals("request", new String(pair.upstream().getInputStream().readNBytes(7)));
            assertEquals(-1, pair.upstream().getInputStream().read(), "client FIN forwarded to the upstream");

            // the client's half-close leaves the reply direction working
            pair.upstream().getOutputStream().write("reply".getBytes());
            assertEquals("reply", new String(pair.client().getInputStream().readNBytes(5)));
            pair.upstream().shutdownOutput();
            assertEquals(-1, pair.client().getInputStream().read(), "upstream FIN forwarded to the client");
            final VigilHarness.Closed closed = rig.vigil().awaitClosed(1, Duration.ofSeconds(5)).get(0);
            assertEquals(CloseReason.EOF, closed.reason());
            assertEquals(Side.CLIENT, closed.side(), "the client's FIN came first");
            rig.vigil().awaitAccessLog("from_client=7 from_upstream=5 ");
            assertTrue(rig.vigil().accessLog().contains("reason=eof side=client"), rig.vigil().accessLog());
        }
    }

    @Test
    void shouldLogTheSideWhoseFinCameFirst() throws Exception
    {
        try (RelayRig rig = RelayRig.start(2, "");
            RelayedPair pair = rig.open())
        {
            pair.upstream().getOutputStream().write("banner".getBytes());
            pair.upstream().shutdownOutput();
            assertEquals("banner", new String(pair.client().getInputStream().readNBytes(6)));
            assertEquals(-1, pair.client().getInputStream().read());
            pair.client().shutdownOutput();
            assertEquals(-1, pair.upstream().getInputStream().read());
            final VigilHarness.Closed closed = rig.vigil().awaitClosed(1, Duration.ofSeconds(5)).get(0);
            assertEquals(CloseReason.EOF, closed.reason());
            assertEquals(Side.UPSTREAM, closed.side(), "proxy is for Vigil's own decisions only");
        }
    }

    @Test
    void shouldDeliverEverythingToClientsThatHalfClosedAndPauseReading() throws Exception
    {
        // The upstream's FIN lands behind unread bytes on a socket Vigil stopped reading (backpressure) after it
        // forwarded the client's FIN: poll(2) then says POLLHUP, which means "read on", not "dead". Where the
        // FIN lands depends on autotuned kernel buffers, so sessions of many sizes run at once; for some of them
        // the FIN arrives while their client pauses.
        final int sessions = 16;
        try (RelayRig rig = RelayRig.start(2, ""))
        {
            final ServerSocket server = rig.server();
            final VigilHarness vigil = rig.vigil();
            final List<Thread> threads = new ArrayList<>();
            final Map<Integer, String> failures = new ConcurrentHashMap<>();
            for (int i = 0; i < sessions; i++)
            {
                final int total = (i + 1) * 512 * 1024;
                final byte[] data = new byte[total];
                new java.util.Random(total).nextBytes(data);
                final Socket client = new Socket();
                client.setReceiveBufferSize(16 * 1024);
                client.connect(vigil.address("pub"), 5_000);
                client.setSoTimeout(30_000);
                final Socket upstreamSide = server.accept();
                client.getOutputStream().write("request".getBytes());
                client.shutdownOutput();
                assertEquals("request", new String(upstreamSide.getInputStream().readNBytes(7)));
                assertEquals(-1, upstreamSide.getInputStream().read());
                threads.add(new Thread(() ->
                {
                    try (upstreamSide)
                    {
                        upstreamSide.getOutputStream().write(data);
                    }
                    catch (final java.io.IOException ex)
                    {
                        // the client sees the loss
                    }
                }, "upstream-writer-" + i));
                threads.add(new Thread(() ->
                {
                    try (client)
                    {
                        Thread.sleep(1_500); // six liveness probes while everything waits in buffers
                        final java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
                        final byte[] chunk = new byte[64 * 1024];
                        final java.io.InputStream in = client.getInputStream();
                        int n;
                        while ((n = in.read(chunk)) > 0)
                        {
                            final int before = received.size();
                            received.write(chunk, 0, n);
                            if (before / (1024 * 1024) != received.size() / (1024 * 1024))
                            {
                                Thread.sleep(600);
                            }
                        }
                        if (!java.util.Arrays.equals(data, received.toByteArray()))
                        {
                            failures.put(total, "got " + received.size() + " of " + total + " bytes");
                        }
                    }
                    catch (final Exception ex)
                    {
                        failures.put(total, ex.toString());
                    }
                }, "client-reader-" + i));
            }
            threads.forEach(Thread::start);
            for (final Thread thread : threads)
            {
                thread.join(60_000);
            }
            assertEquals(Map.of(), failures, "sessions that lost bytes, by size");
            for (final VigilHarness.Closed closed : vigil.awaitClosed(sessions, Duration.ofSeconds(10)))
            {
                assertEquals(CloseReason.EOF, closed.reason());
            }
        }
    }
}
