package io.vigil.scenario;

import io.vigil.net.UserTimeouts;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.VigilHarness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Dead peers with data in flight ({@code user-timeout}): bytes stream through Vigil to a peer, the peer is
 * blackholed mid-transfer, and Vigil must close both legs within the user-timeout + 1 s (keepalive never fires
 * while data is unacknowledged; without user-timeout the kernel retransmits for ~15 minutes). Runs inside a
 * private network namespace; {@link UserTimeoutScenariosTest} starts it on Java 17 (write-stall timer) and on
 * Java 22+ (the kernel's TCP_USER_TIMEOUT), and passes the mechanism it expects as the second argument.
 */
public final class UserTimeoutScenarios
{
    static final String PROXY_IP = KeepaliveScenarios.PROXY_IP;
    static final String CLIENT_IP = KeepaliveScenarios.CLIENT_IP;
    static final String UPSTREAM_IP = KeepaliveScenarios.UPSTREAM_IP;
    static final int PROXY_PORT = KeepaliveScenarios.PROXY_PORT;
    static final int UPSTREAM_PORT = KeepaliveScenarios.UPSTREAM_PORT;
    /** The user-timeout under test. */
    static final long TIMEOUT_MS = 3000;
    private static final int CHUNK = 64 * 1024;
    /** Bytes that must have crossed before the blackhole: the transfer is under way. */
    static final long UNDER_WAY = 4L * 1024 * 1024;
    /** Upper bound on what a pushing side writes: every loop is bounded. */
    static final long PUSH_LIMIT = 4L * 1024 * 1024 * 1024;

    /** The scenarios, by name. */
    enum Scenario
    {
        /** The client pushes to the upstream, which vanishes. */
        UPSTREAM_DIES_RECEIVING,
        /** The upstream pushes to the client, which vanishes. */
        CLIENT_DIES_RECEIVING
    }

    private UserTimeoutScenarios()
    {
    }

    /**
     * @param args the scenario name and the expected mechanism label (kernel or write-stall).
     */
    public static void main(final String[] args)
    {
        final Scenario scenario = Scenario.valueOf(args[0]);
        ScenarioMain.runAndExit(scenario.name(), () ->
        {
            checkMechanism(args[1]);
            Netns.setUp(PROXY_PORT, CLIENT_IP, UPSTREAM_IP, UPSTREAM_PORT);
            run(scenario == Scenario.CLIENT_DIES_RECEIVING);
        });
    }

    private static String config(final boolean clientSide)
    {
        final String timeout = "user-timeout = " + TIMEOUT_MS + "ms";
        return "vigil { event-loops = 1, admin { listen = \"127.0.0.1:0\" }, listeners = [{ name = pub, " +
            "listen = \"" + PROXY_IP + ":" + PROXY_PORT + "\", upstream = up" + (clientSide ? ", " + timeout : "") +
            " }], upstreams { up { servers = [\"" + UPSTREAM_IP + ":" + UPSTREAM_PORT + "\"]" +
            (clientSide ? "" : ", " + timeout) + " } } }";
    }

    private static void run(final boolean clientSide) throws Exception
    {
        final AtomicLong received = new AtomicLong();
        try (ServerSocket upstreamServer = bindUpstream())
        {
            try (VigilHarness vigil = VigilHarness.start(config(clientSide));
                Socket client = connectClient())
            {
                final Socket upstream = upstreamServer.accept();
                // the receiving peer reads (and counts); the other pushes until its writes fail
                final Socket receiver = clientSide ? client : upstream;
                final Socket pusher = clientSide ? upstream : client;
                daemon(() -> drain(receiver, received));
                daemon(() -> push(pusher));
                Await.until(() -> received.get() >= UNDER_WAY, Duration.ofSeconds(10), "the transfer is under way");
                check(vigil.closed().isEmpty(), "nothing closed before the blackhole: " + vigil.closed());
                check(Admin.get(vigil.adminAddress(), "/connections").body().contains(
                    "\"user_timeout_mechanism\":\"" + UserTimeouts.mechanism().label() + "\""),
                    "/connections names the mechanism");

                final long blackholedNs = System.nanoTime();
                Netns.blackhole(clientSide ? CLIENT_IP : UPSTREAM_IP);
                final long budgetMs = TIMEOUT_MS + 1000;
                final Side side = clientSide ? Side.CLIENT : Side.UPSTREAM;
                final long closedMs = awaitUserTimeoutClose(vigil, side, blackholedNs, budgetMs);

                // the surviving peer sees the close: Vigil closed the other leg too
                final Socket survivor = clientSide ? upstream : client;
                survivor.setSoTimeout((int)budgetMs);
                final long survivorSawMs = awaitEnd(survivor, blackholedNs);
                check(survivorSawMs <= budgetMs + 500, "the other leg closed " + survivorSawMs + " ms after");
                final List<String> vigilSockets = Netns.establishedSockets(
                    "( sport = :" + PROXY_PORT + " or dport = :" + UPSTREAM_PORT + " )");
                check(vigilSockets.isEmpty(), "Vigil's sockets left ESTABLISHED: " + vigilSockets);
                checkCounted(vigil, side);
                System.out.printf("%s blackholed after %d bytes; Vigil (%s) closed both legs %d ms later " +
                    "(user-timeout %d ms); the other peer saw it after %d ms%n", clientSide ? "client" : "upstream",
                    received.get(), UserTimeouts.mechanism().label(), closedMs, TIMEOUT_MS, survivorSawMs);
                upstream.close();
            }
        }
    }

    /**
     * Fails unless this JVM ends stalled connections by the mechanism the test expects of its Java version.
     *
     * @param expected the mechanism's label: kernel or write-stall.
     */
    static void checkMechanism(final String expected)
    {
        check(UserTimeouts.mechanism().label().equals(expected), "mechanism " + UserTimeouts.describe() +
            ", expected " + expected);
    }

    /** @return the upstream's listening socket; accept gives up after 10 s, so a refusal fails, not hangs. */
    static ServerSocket bindUpstream() throws IOException
    {
        final ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(UPSTREAM_IP), UPSTREAM_PORT));
        server.setSoTimeout(10_000);
        return server;
    }

    /** @return a client connected from its own address to Vigil's listener. */
    static Socket connectClient() throws IOException
    {
        final Socket client = new Socket();
        client.bind(new InetSocketAddress(InetAddress.getByName(CLIENT_IP), 0));
        client.connect(new InetSocketAddress(InetAddress.getByName(PROXY_IP), PROXY_PORT), 5000);
        return client;
    }

    /**
     * Waits for the one session's end and checks it was the user-timeout's verdict on that side, given between the
     * user-timeout (less 500 ms) and the budget after the blackhole.
     *
     * @return ms from the blackhole to the close.
     */
    static long awaitUserTimeoutClose(final VigilHarness vigil, final Side side, final long blackholedNs,
        final long budgetMs)
    {
        final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofMillis(TIMEOUT_MS + 10_000)).get(0);
        final long closedMs = Duration.ofNanos(closed.atNs() - blackholedNs).toMillis();
        check(closed.reason() == CloseReason.USER_TIMEOUT, "reason user_timeout, got " + closed);
        check(closed.side() == side, "side, got " + closed);
        checkWithin(closedMs, budgetMs, "closed");
        return closedMs;
    }

    /** Fails unless {@code ms} after the blackhole is within the budget and not sooner than the user-timeout. */
    static void checkWithin(final long ms, final long budgetMs, final String what)
    {
        check(ms <= budgetMs, what + " " + ms + " ms after the blackhole, budget " + budgetMs);
        check(ms >= TIMEOUT_MS - 500, what + " " + ms + " ms after the blackhole: sooner than the user-timeout, " +
            "so something else did it");
    }

    /** Fails unless the access log and the closed-sessions metric count the one user-timeout close on that side. */
    static void checkCounted(final VigilHarness vigil, final Side side) throws IOException
    {
        final String sideName = side.name().toLowerCase();
        vigil.awaitAccessLog("reason=user_timeout side=" + sideName);
        final String series = "vigil_sessions_closed_total{listener=\"pub\",reason=\"user_timeout\",side=\"" +
            sideName + "\"}";
        check(Admin.metric(vigil.adminAddress(), series) == 1, series + " rose by the one session");
    }

    /** Reads on the survivor until EOF or reset (its writes may also fail first); ms since the blackhole. */
    static long awaitEnd(final Socket survivor, final long sinceNs) throws IOException
    {
        final InputStream in = survivor.getInputStream();
        final byte[] buffer = new byte[CHUNK];
        try
        {
            while (in.read(buffer) >= 0)
            {
                // drain what Vigil still forwarded before the close
            }
        }
        catch (final java.net.SocketTimeoutException ex)
        {
            throw new AssertionError("the other leg was not closed", ex);
        }
        catch (final IOException ex)
        {
            // reset: closed too
        }
        return Duration.ofNanos(System.nanoTime() - sinceNs).toMillis();
    }

    static void drain(final Socket socket, final AtomicLong received)
    {
        final byte[] buffer = new byte[CHUNK];
        try
        {
            final InputStream in = socket.getInputStream();
            int n;
            while ((n = in.read(buffer)) >= 0)
            {
                received.addAndGet(n);
            }
        }
        catch (final IOException ex)
        {
            // the session ended
        }
    }

    static void push(final Socket socket)
    {
        final byte[] chunk = new byte[CHUNK];
        try
        {
            final OutputStream out = socket.getOutputStream();
            for (long sent = 0; sent < PUSH_LIMIT; sent += chunk.length)
            {
                out.write(chunk);
            }
        }
        catch (final IOException ex)
        {
            // the session ended
        }
    }

    static void daemon(final Runnable body)
    {
        final Thread thread = new Thread(body, "user-timeout-scenario");
        thread.setDaemon(true);
        thread.start();
    }

    static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }
}
