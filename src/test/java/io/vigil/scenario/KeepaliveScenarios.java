package io.vigil.scenario;

import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The seed guide's three scenarios (healthy idle, dead peer, recovery after a blip) against the real kernel, for
 * a blackholed client and for a blackholed upstream, plus a dead client whose session is paused by backpressure.
 * Runs as its own process inside a private network namespace ({@code unshare -n}); KeepaliveScenariosTest starts
 * it. Exit code 0 means the scenario held; anything else prints why.
 */
public final class KeepaliveScenarios
{
    static final String PROXY_IP = "127.0.0.1";
    static final String CLIENT_IP = "127.0.0.2";
    static final String UPSTREAM_IP = "127.0.0.3";
    static final int PROXY_PORT = 8000;
    static final int UPSTREAM_PORT = 9000;

    /** The scenarios, by name. */
    enum Scenario
    {
        CLIENT_HEALTHY_IDLE, CLIENT_DEAD, CLIENT_RECOVERS,
        UPSTREAM_HEALTHY_IDLE, UPSTREAM_DEAD, UPSTREAM_RECOVERS,
        CLIENT_DEAD_WHILE_PAUSED,
        HTTP_POOLED_UPSTREAM_DEAD,
        /** Scenario 2 in a JVM whose C library speaks German: the verdict must still read keepalive_timeout. */
        CLIENT_DEAD_GERMAN_LOCALE
    }

    /** The environment a scenario's JVM runs with, beyond the inherited one; null to remove a variable. */
    static java.util.Map<String, String> environment(final Scenario scenario)
    {
        final java.util.Map<String, String> env = new java.util.HashMap<>();
        if (scenario == Scenario.CLIENT_DEAD_GERMAN_LOCALE)
        {
            env.put("LC_ALL", null);
            env.put("LC_MESSAGES", null);
            env.put("LANGUAGE", null);
            env.put("LANG", "de_DE.UTF-8");
        }
        return env;
    }

    private KeepaliveScenarios()
    {
    }

    /**
     * @param args the scenario name.
     */
    public static void main(final String[] args)
    {
        final Scenario scenario = Scenario.valueOf(args[0]);
        ScenarioMain.runAndExit(scenario.name(), () ->
        {
            Netns.setUp(PROXY_PORT, CLIENT_IP, UPSTREAM_IP, UPSTREAM_PORT);
            run(scenario);
        });
    }

    private static void run(final Scenario scenario) throws Exception
    {
        switch (scenario)
        {
            case CLIENT_HEALTHY_IDLE -> healthyIdle(true);
            case UPSTREAM_HEALTHY_IDLE -> healthyIdle(false);
            case CLIENT_DEAD -> deadPeer(true);
            case UPSTREAM_DEAD -> deadPeer(false);
            case CLIENT_RECOVERS -> recovers(true);
            case UPSTREAM_RECOVERS -> recovers(false);
            case CLIENT_DEAD_WHILE_PAUSED -> deadWhilePaused();
            case HTTP_POOLED_UPSTREAM_DEAD -> pooledUpstreamDead();
            case CLIENT_DEAD_GERMAN_LOCALE ->
            {
                requireLocalizedMessages();
                deadPeer(true);
            }
            default -> throw new IllegalArgumentException(scenario.name());
        }
    }

    private static String config(final String clientKeepalive, final String upstreamKeepalive)
    {
        return "vigil { event-loops = 1, admin { listen = \"127.0.0.1:0\" }, listeners = [{ name = pub, " +
            "listen = \"" + PROXY_IP + ":" + PROXY_PORT +
            "\", upstream = up, so-keepalive = \"" + clientKeepalive + "\" }], upstreams { up { servers = [\"" +
            UPSTREAM_IP + ":" + UPSTREAM_PORT + "\"], so-keepalive = \"" + upstreamKeepalive + "\" } } }";
    }

    private static TestUpstream upstream(final TestUpstream.Mode mode) throws IOException
    {
        return new TestUpstream(new InetSocketAddress(InetAddress.getByName(UPSTREAM_IP), UPSTREAM_PORT), mode);
    }

    private static Socket client() throws IOException
    {
        final Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(CLIENT_IP), 0));
        socket.connect(new InetSocketAddress(InetAddress.getByName(PROXY_IP), PROXY_PORT), 5000);
        socket.setSoTimeout(20_000);
        return socket;
    }

    /** The live sessions as /connections lists them. */
    private static List<? extends com.typesafe.config.Config> connections(final VigilHarness vigil)
    {
        try
        {
            return com.typesafe.config.ConfigFactory.parseString(Admin.get(vigil.adminAddress(), "/connections")
                .body(), com.typesafe.config.ConfigParseOptions.defaults()
                .setSyntax(com.typesafe.config.ConfigSyntax.JSON)).getConfigList("connections");
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** One byte there and back through Vigil and the echo upstream. */
    private static void roundTrip(final Socket client, final int value) throws IOException
    {
        client.getOutputStream().write(value);
        check(client.getInputStream().read() == value, "round trip of byte " + value);
    }

    /** The JVM's socket errors really are German here, or the scenario would prove nothing. */
    private static void requireLocalizedMessages() throws IOException
    {
        final java.net.ServerSocket closed = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final int port = closed.getLocalPort();
        closed.close();
        try (Socket refused = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            throw new IllegalStateException("connected to a closed port " + port);
        }
        catch (final java.net.ConnectException ex)
        {
            check(!"Connection refused".equals(ex.getMessage()), "socket errors are not localized (" +
                ex.getMessage() + "): the de_DE.UTF-8 locale is missing; bin/test generates it as root " +
                "(apt-get install locales; locale-gen de_DE.UTF-8)");
            System.out.println("socket errors read \"" + ex.getMessage() + "\"; catalog " +
                io.vigil.net.Errno.catalog());
        }
    }

    /** Scenario 1: probes are answered, the idle connection stays and still relays. */
    private static void healthyIdle(final boolean clientSide) throws Exception
    {
        final String keepalive = "1:1:2";
        try (TestUpstream upstream = upstream(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(
                config(clientSide ? keepalive : "default", clientSide ? "default" : keepalive));
            Socket client = client())
        {
            roundTrip(client, 1);
            final String counter = clientSide ? "to_client" : "to_upstream";
            Netns.resetCounter(counter);
            final long start = System.nanoTime();
            Await.until(() -> Netns.counterPackets(counter) >= 5, Duration.ofSeconds(15),
                "5 keepalive probes from Vigil to the " + (clientSide ? "client" : "upstream"));
            final long probes = Netns.counterPackets(counter);
            check(vigil.closed().isEmpty(), "no session closed while probes were answered: " + vigil.closed());
            // the operator's view while it happens: the kernel's keepalive timer on the probed socket
            final String socket = clientSide ? "client_socket" : "upstream_socket";
            final com.typesafe.config.Config connection = connections(vigil).get(0);
            check(connection.getString(socket + ".kernel.timer").equals("keepalive"),
                "/connections shows the keepalive timer: " + connection.root().render());
            check(connection.getLong(socket + ".kernel.timer_ms") <= 1000, "probing every intvl = 1 s: " +
                connection.getLong(socket + ".kernel.timer_ms"));
            check(connection.getString(socket + ".so_keepalive").equals(keepalive), "the configured keepalive");
            roundTrip(client, 2);
            roundTrip(client, 3);
            System.out.printf("%d probes answered over %d ms of idle; session still relays%n",
                probes, Duration.ofNanos(System.nanoTime() - start).toMillis());
        }
    }

    /** Scenario 2: the peer vanishes; the kernel gives up and Vigil closes both sides at once. */
    private static void deadPeer(final boolean clientSide) throws Exception
    {
        final int idle = 1;
        final int interval = 1;
        final int count = 2;
        final String keepalive = idle + ":" + interval + ":" + count;
        try (TestUpstream upstream = upstream(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(
                config(clientSide ? keepalive : "default", clientSide ? "default" : keepalive));
            Socket client = client())
        {
            roundTrip(client, 1);
            final String side = clientSide ? "client" : "upstream";
            final String closedSeries = "vigil_sessions_closed_total{listener=\"pub\",reason=\"keepalive_timeout\"," +
                "side=\"" + side + "\"}";
            final String deadSeries = "vigil_dead_peers_total{listener=\"pub\",side=\"" + side + "\"}";
            check(Admin.metric(vigil.adminAddress(), closedSeries) == 0, "no keepalive closes yet");
            final long lastTraffic = System.nanoTime();
            Netns.blackhole(clientSide ? CLIENT_IP : UPSTREAM_IP);
            // nft runs as a process: until it returns, keepalive probes are still answered and each one restarts the
            // kernel's idle countdown, so the verdict's deadline counts from here (the earliest from lastTraffic)
            final long blackholed = System.nanoTime();
            // the operator's view while the kernel probes a peer that no longer answers: probes counting up
            final String socket = clientSide ? "client_socket" : "upstream_socket";
            final AtomicLong seenProbes = new AtomicLong();
            Await.until(() ->
            {
                final List<? extends com.typesafe.config.Config> live = connections(vigil);
                if (!live.isEmpty() && !live.get(0).getIsNull(socket + ".kernel"))
                {
                    seenProbes.set(Math.max(seenProbes.get(), live.get(0).getLong(socket + ".kernel.probes")));
                }
                return seenProbes.get() >= 1 || live.isEmpty();
            }, Duration.ofSeconds(10), "unanswered keepalive probes counted on /connections");
            check(seenProbes.get() >= 1, "a probe counted before the verdict");

            final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(15)).get(0);
            final long closedMs = Duration.ofNanos(closed.atNs() - lastTraffic).toMillis();
            final long closedAfterBlackholeMs = Duration.ofNanos(closed.atNs() - blackholed).toMillis();
            final long budgetMs = (idle + (long)interval * count + 1) * 1000;
            check(closed.reason() == CloseReason.KEEPALIVE_TIMEOUT, "reason keepalive_timeout, got " + closed);
            check(closed.side() == (clientSide ? Side.CLIENT : Side.UPSTREAM), "side, got " + closed);
            check(closedAfterBlackholeMs <= budgetMs, "closed " + closedAfterBlackholeMs +
                " ms after the peer vanished, budget " + budgetMs);
            check(closedMs >= (idle + (long)interval * (count - 1)) * 1000L,
                "closed " + closedMs + " ms after the last traffic: sooner than the kernel could have decided");

            // the surviving peer sees the close: Vigil closed the other leg too
            final long otherSawMs;
            if (clientSide)
            {
                final TestUpstream.Peer peer = upstream.peers().get(0);
                Await.until(() -> peer.endedNs != 0, Duration.ofSeconds(5), "upstream sees the close");
                otherSawMs = Duration.ofNanos(peer.endedNs - blackholed).toMillis();
            }
            else
            {
                check(client.getInputStream().read() == -1, "client sees EOF");
                otherSawMs = Duration.ofNanos(System.nanoTime() - blackholed).toMillis();
            }
            check(otherSawMs <= budgetMs, "other side saw the close " + otherSawMs + " ms after, budget " +
                budgetMs);
            // Vigil's own sockets: accepted ones have local port 8000, upstream ones remote port 9000
            final List<String> vigilSockets = Netns.establishedSockets(
                "( sport = :" + PROXY_PORT + " or dport = :" + UPSTREAM_PORT + " )");
            check(vigilSockets.isEmpty(), "both of Vigil's sockets left ESTABLISHED: " + vigilSockets);
            vigil.awaitAccessLog("reason=keepalive_timeout side=" + (clientSide ? "client" : "upstream"));
            check(Admin.metric(vigil.adminAddress(), closedSeries) == 1, closedSeries + " rose by the one session");
            check(Admin.metric(vigil.adminAddress(), deadSeries) == 1, deadSeries + " rose by the one session");
            if (!clientSide)
            {
                // the silent death counted as a server failure (max-fails=1 by default): the only server is
                // skipped for fail-timeout, so a new session is refused at once instead of connecting into the void
                try (Socket next = client())
                {
                    check(next.getInputStream().read() == -1, "new session closed");
                }
                vigil.awaitAccessLog("upstream=- tries=0 ");
                check(vigil.accessLog().contains("reason=connect_failed"), vigil.accessLog());
            }
            System.out.printf("kernel verdict + Vigil close after %d ms (budget %d ms); " +
                "other side saw it after %d ms; no Vigil socket left established%n", closedMs, budgetMs, otherSawMs);
        }
    }

    /** Scenario 3: the peer is unreachable for ~1.5 s, then answers again; nothing is lost. */
    private static void recovers(final boolean clientSide) throws Exception
    {
        final String keepalive = "1:1:3";
        final String blackholed = clientSide ? CLIENT_IP : UPSTREAM_IP;
        try (TestUpstream upstream = upstream(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(
                config(clientSide ? keepalive : "default", clientSide ? "default" : keepalive));
            Socket client = client())
        {
            roundTrip(client, 1);
            final long start = System.nanoTime();
            Netns.blackhole(blackholed);
            // data sent during the blip must arrive once it is over
            final byte[] payload = new byte[256 * 1024];
            new SplittableRandom(42).nextBytes(payload);
            final AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            final Thread writer = new Thread(() ->
            {
                try
                {
                    client.getOutputStream().write(payload);
                }
                catch (final IOException ex)
                {
                    writeFailure.set(ex);
                }
            });
            writer.start();
            Thread.sleep(1500); // the blip itself: part of the scenario, not a wait for a result
            Netns.restore(blackholed);

            final byte[] echoed = client.getInputStream().readNBytes(payload.length);
            writer.join(10_000);
            check(writeFailure.get() == null, "write during the blip: " + writeFailure.get());
            check(java.util.Arrays.equals(payload, echoed), "all " + payload.length + " bytes came back intact");

            // past the whole detection budget (1 + 1 x 3 s) the session is still there and still relays
            final long budgetEnd = start + Duration.ofSeconds(1 + 3 + 1).toNanos();
            while (System.nanoTime() < budgetEnd)
            {
                Thread.sleep(100);
            }
            check(vigil.closed().isEmpty(), "session survived the blip: " + vigil.closed());
            roundTrip(client, 2);
            System.out.printf("%s blackholed 1.5 s with %s; %d bytes sent during the blip arrived; session alive " +
                "after %d ms%n", clientSide ? "client" : "upstream", keepalive, payload.length,
                Duration.ofNanos(System.nanoTime() - start).toMillis());
        }
    }

    /**
     * The upstream stops reading, so Vigil stops reading the client (backpressure: the client socket has no
     * interest ops and epoll no longer watches it). The client then vanishes; Vigil must still close both sides
     * within the keepalive budget.
     */
    private static void deadWhilePaused() throws Exception
    {
        try (TestUpstream upstream = upstream(TestUpstream.Mode.HOLD);
            VigilHarness vigil = VigilHarness.start(config("1:1:2", "default"));
            Socket client = client())
        {
            final AtomicLong written = new AtomicLong();
            final Thread writer = new Thread(() ->
            {
                final byte[] chunk = new byte[64 * 1024];
                try
                {
                    final OutputStream out = client.getOutputStream();
                    for (int i = 0; i < 1024; i++)
                    {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                }
                catch (final IOException ex)
                {
                    // expected once Vigil closes the session
                }
            });
            writer.setDaemon(true);
            writer.start();
            // wait until the client's writes stall: every buffer on the path is full and Vigil paused the read
            long last = -1;
            while (written.get() != last)
            {
                last = written.get();
                Thread.sleep(300);
            }
            check(last < 64L * 1024 * 1024, "writes stalled (backpressure reached the client) at " + last);

            Netns.blackhole(CLIENT_IP);
            // from when nft returned: until then the client still answered (and restarted the idle countdown)
            final long start = System.nanoTime();
            final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(15)).get(0);
            final long closedMs = Duration.ofNanos(closed.atNs() - start).toMillis();
            check(closed.reason() == CloseReason.KEEPALIVE_TIMEOUT && closed.side() == Side.CLIENT,
                "paused client leg closed for keepalive_timeout, got " + closed);
            check(closedMs <= 4000, "closed " + closedMs + " ms after the client vanished, budget 4000 ms");
            final InputStream upstreamIn = upstream.peers().get(0).socket.getInputStream();
            final byte[] drain = new byte[64 * 1024];
            long drained = 0;
            int n;
            try
            {
                while ((n = upstreamIn.read(drain)) > 0)
                {
                    drained += n;
                }
            }
            catch (final IOException ex)
            {
                // a reset is also a close
            }
            System.out.printf("client stalled after %d bytes; paused leg closed %d ms after the client vanished; " +
                "upstream drained %d bytes then saw the close%n", last, closedMs, drained);
        }
    }

    /**
     * HTTP mode: an idle pooled upstream connection whose server vanishes is evicted by the kernel's keepalive
     * verdict, within idle + intvl x cnt + 1 s, and the next request gets a fresh connection once the server is
     * back. Without the pool watching idle connections it would sit ESTABLISHED until keepalive.timeout (60 s).
     */
    private static void pooledUpstreamDead() throws Exception
    {
        final String config = "vigil { event-loops = 1, listeners = [{ name = web, listen = \"" + PROXY_IP + ":" +
            PROXY_PORT + "\", mode = http, upstream = app }], upstreams { app { servers = [\"" + UPSTREAM_IP + ":" +
            UPSTREAM_PORT + "\"], so-keepalive = \"1:1:2\" } } }";
        try (TestOrigin origin = TestOrigin.start(
                new InetSocketAddress(InetAddress.getByName(UPSTREAM_IP), UPSTREAM_PORT));
            VigilHarness vigil = VigilHarness.start(config);
            RawHttp http = new RawHttp(new InetSocketAddress(InetAddress.getByName(PROXY_IP), PROXY_PORT)))
        {
            check("1".equals(http.get("/hello").header("x-conn")), "first request on upstream connection 1");
            final long lastTraffic = System.nanoTime();
            final String pooled = "( dport = :" + UPSTREAM_PORT + " )";
            check(Netns.establishedSockets(pooled).size() == 1, "one pooled connection");
            Netns.blackhole(UPSTREAM_IP);
            // ss and nft run as processes: until nft returns the server still answers probes, so the deadline
            // counts from here (the earliest possible verdict from lastTraffic)
            final long blackholed = System.nanoTime();
            final long budgetMs = (1 + 1 * 2 + 1) * 1000;
            Await.until(() -> Netns.establishedSockets(pooled).isEmpty(), Duration.ofMillis(budgetMs + 2000),
                "pooled connection evicted");
            final long evictedMs = Duration.ofNanos(System.nanoTime() - lastTraffic).toMillis();
            final long evictedAfterBlackholeMs = Duration.ofNanos(System.nanoTime() - blackholed).toMillis();
            check(evictedAfterBlackholeMs <= budgetMs, "evicted " + evictedAfterBlackholeMs +
                " ms after the server vanished, budget " + budgetMs);
            check(evictedMs >= 2000, "evicted after " + evictedMs + " ms: sooner than the kernel could decide");
            check(vigil.closed().isEmpty(), "the idle client connection is untouched: " + vigil.closed());
            Netns.restore(UPSTREAM_IP);
            final RawHttp.Response next = http.get("/hello");
            check(next.status() == 200 && "2".equals(next.header("x-conn")),
                "next request on a fresh connection, got " + next.status() + " x-conn " + next.header("x-conn"));
            System.out.printf("pooled upstream connection evicted %d ms after the last traffic (budget %d ms); " +
                "the next request used a fresh connection%n", evictedMs, budgetMs);
        }
    }

    private static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }
}
