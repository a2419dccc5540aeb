package io.vigil.scenario;

import io.vigil.net.UserTimeouts;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.VigilHarness;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static io.vigil.scenario.UserTimeoutScenarios.PUSH_LIMIT;
import static io.vigil.scenario.UserTimeoutScenarios.TIMEOUT_MS;
import static io.vigil.scenario.UserTimeoutScenarios.UNDER_WAY;
import static io.vigil.scenario.UserTimeoutScenarios.awaitUserTimeoutClose;
import static io.vigil.scenario.UserTimeoutScenarios.bindUpstream;
import static io.vigil.scenario.UserTimeoutScenarios.check;
import static io.vigil.scenario.UserTimeoutScenarios.checkCounted;
import static io.vigil.scenario.UserTimeoutScenarios.checkMechanism;
import static io.vigil.scenario.UserTimeoutScenarios.checkWithin;
import static io.vigil.scenario.UserTimeoutScenarios.connectClient;
import static io.vigil.scenario.UserTimeoutScenarios.daemon;

/**
 * {@code user-timeout} for an HTTP-mode listener: a large response streams to a client that is blackholed
 * mid-response (Vigil closes the client and the upstream connection it used, {@code user_timeout side=client}),
 * the same after an upgrade, through the tunnel; or a large request body streams to an upstream that is
 * blackholed mid-body (Vigil drops the upstream and answers 504, the upload never having been answered). Runs
 * inside a private network namespace like {@link UserTimeoutScenarios}; {@link HttpUserTimeoutScenariosTest}
 * starts it on Java 17 (write-stall timer) and on the newer JDK (the kernel's TCP_USER_TIMEOUT), with the
 * mechanism it expects as the second argument.
 */
public final class HttpUserTimeoutScenarios
{
    private static final String PROXY_IP = UserTimeoutScenarios.PROXY_IP;
    private static final String CLIENT_IP = UserTimeoutScenarios.CLIENT_IP;
    private static final String UPSTREAM_IP = UserTimeoutScenarios.UPSTREAM_IP;
    private static final int PROXY_PORT = UserTimeoutScenarios.PROXY_PORT;
    private static final int UPSTREAM_PORT = UserTimeoutScenarios.UPSTREAM_PORT;
    /** The sweep checks the stall, and the kernel its timer, at a coarser grain than the tcp relay: generous. */
    private static final long BUDGET_MS = TIMEOUT_MS + 2000;

    /** The scenarios, by name. */
    enum Scenario
    {
        /** The client downloads a response and vanishes mid-body. */
        CLIENT_DIES_MID_RESPONSE,
        /** The client upgraded the connection (101, a tunnel from then on), and vanishes mid-download. */
        CLIENT_DIES_IN_TUNNEL,
        /** The client uploads a request body and the upstream vanishes mid-body. */
        UPSTREAM_DIES_MID_REQUEST_BODY
    }

    private HttpUserTimeoutScenarios()
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
            if (scenario != Scenario.UPSTREAM_DIES_MID_REQUEST_BODY)
            {
                clientDiesMidResponse(scenario == Scenario.CLIENT_DIES_IN_TUNNEL);
            }
            else
            {
                upstreamDiesMidRequestBody();
            }
        });
    }

    private static String config(final boolean clientSide)
    {
        final String timeout = "user-timeout = " + TIMEOUT_MS + "ms";
        return "vigil { event-loops = 1, admin { listen = \"127.0.0.1:0\" }, listeners = [{ name = pub, " +
            "listen = \"" + PROXY_IP + ":" + PROXY_PORT + "\", mode = http, upstream = up, " +
            "client-max-body-size = 0" + (clientSide ? ", " + timeout : "") + " }], upstreams { up { servers = " +
            "[\"" + UPSTREAM_IP + ":" + UPSTREAM_PORT + "\"]" + (clientSide ? "" : ", " + timeout) + " } } }";
    }

    private static void clientDiesMidResponse(final boolean tunnel) throws Exception
    {
        final AtomicLong received = new AtomicLong();
        try (ServerSocket upstreamServer = bindUpstream();
            VigilHarness vigil = VigilHarness.start(config(true));
            Socket client = connectClient())
        {
            client.getOutputStream().write(("GET /big HTTP/1.1\r\nHost: scenario\r\n" +
                (tunnel ? "Connection: Upgrade\r\nUpgrade: scenario\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            final Socket upstream = upstreamServer.accept();
            readHead(upstream.getInputStream());
            final OutputStream toClient = upstream.getOutputStream();
            toClient.write((tunnel ? "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" +
                "Upgrade: scenario\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: " + PUSH_LIMIT + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            daemon(() -> UserTimeoutScenarios.drain(client, received));
            daemon(() -> UserTimeoutScenarios.push(upstream));
            Await.until(() -> received.get() >= UNDER_WAY, Duration.ofSeconds(10), "the response is under way");
            check(vigil.closed().isEmpty(), "nothing closed before the blackhole: " + vigil.closed());
            checkConnectionsPage(vigil);

            final long blackholedNs = System.nanoTime();
            Netns.blackhole(CLIENT_IP);
            final long closedMs = awaitUserTimeoutClose(vigil, Side.CLIENT, blackholedNs, BUDGET_MS);
            // the upstream connection it used is closed, not pooled: its server sees the end
            upstream.setSoTimeout((int)BUDGET_MS);
            final long upstreamSawMs = UserTimeoutScenarios.awaitEnd(upstream, blackholedNs);
            check(upstreamSawMs <= BUDGET_MS + 500, "the upstream connection closed " + upstreamSawMs + " ms after");
            // after the timing checks: the access log's thread and a scrape may take a while on a loaded machine
            checkCounted(vigil, Side.CLIENT);
            checkNoVigilSockets();
            System.out.printf("http client (%s) blackholed after %d bytes; Vigil (%s) closed both legs %d ms " +
                "later (user-timeout %d ms); the upstream saw it after %d ms%n", tunnel ? "tunnel" : "response",
                received.get(),
                UserTimeouts.mechanism().label(), closedMs, TIMEOUT_MS, upstreamSawMs);
            upstream.close();
        }
    }

    private static void upstreamDiesMidRequestBody() throws Exception
    {
        final AtomicLong received = new AtomicLong();
        final ByteArrayOutputStream answer = new ByteArrayOutputStream();
        final AtomicLong answeredNs = new AtomicLong();
        final AtomicLong endedNs = new AtomicLong();
        try (ServerSocket upstreamServer = bindUpstream();
            VigilHarness vigil = VigilHarness.start(config(false));
            Socket client = connectClient())
        {
            client.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: scenario\r\nContent-Length: " +
                PUSH_LIMIT + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            final Socket upstream = upstreamServer.accept();
            daemon(() -> UserTimeoutScenarios.drain(upstream, received));
            daemon(() -> UserTimeoutScenarios.push(client));
            daemon(() -> readAnswer(client, answer, answeredNs, endedNs));
            Await.until(() -> received.get() >= UNDER_WAY, Duration.ofSeconds(10), "the request body is under way");
            check(answeredNs.get() == 0 && vigil.closed().isEmpty(), "no answer or close before the blackhole");
            checkConnectionsPage(vigil);

            final long blackholedNs = System.nanoTime();
            Netns.blackhole(UPSTREAM_IP);
            Await.until(() -> answeredNs.get() != 0, Duration.ofMillis(TIMEOUT_MS + 10_000), "an answer");
            final long answeredMs = Duration.ofNanos(answeredNs.get() - blackholedNs).toMillis();
            final String head;
            synchronized (answer)
            {
                head = answer.toString(StandardCharsets.US_ASCII);
            }
            check(head.startsWith("HTTP/1.1 504 "), "504 for the unanswered upload, got: " + head);
            checkWithin(answeredMs, BUDGET_MS, "answered 504");
            // the upload can never finish: after the answer Vigil ends the client connection too
            Await.until(() -> endedNs.get() != 0, Duration.ofMillis(BUDGET_MS + 10_000), "the client connection ends");
            checkNoVigilSockets();
            vigil.awaitAccessLog("status=504");
            // the connection's end is recorded as the upstream's verdict (after the linger the 504 started)
            final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(15)).get(0);
            check(closed.reason() == CloseReason.USER_TIMEOUT && closed.side() == Side.UPSTREAM,
                "recorded as user_timeout side=upstream, got " + closed);
            checkCounted(vigil, Side.UPSTREAM);
            System.out.printf("http upstream blackholed after %d request bytes; Vigil (%s) dropped it and " +
                "answered 504 %d ms later (user-timeout %d ms)%n", received.get(), UserTimeouts.mechanism().label(),
                answeredMs, TIMEOUT_MS);
            upstream.close();
        }
    }

    private static void checkConnectionsPage(final VigilHarness vigil) throws IOException
    {
        final String page = Admin.get(vigil.adminAddress(), "/connections").body();
        check(page.contains("\"user_timeout_mechanism\":\"" + UserTimeouts.mechanism().label() + "\"") &&
            page.contains("\"mode\":\"http\""), "/connections names the mechanism for the http connection: " + page);
    }

    /**
     * A channel closed while registered is closed for real at the loop's next select, which may come a moment
     * after the peer saw the other leg end: wait for it, briefly.
     */
    private static void checkNoVigilSockets()
    {
        final String filter = "( sport = :" + PROXY_PORT + " or dport = :" + UPSTREAM_PORT + " )";
        Await.until(() -> Netns.establishedSockets(filter).isEmpty(), Duration.ofSeconds(2),
            () -> "no Vigil socket left ESTABLISHED, still: " + Netns.establishedSockets(filter));
    }

    /** Reads up to the end of a request head (the scenario's requests have no body before it answers). */
    private static void readHead(final InputStream in) throws IOException
    {
        int matched = 0;
        final byte[] end = {'\r', '\n', '\r', '\n'};
        for (int read = 0; matched < end.length; read++)
        {
            final int b = in.read();
            check(b >= 0 && read < 64 * 1024, "a request head from Vigil");
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    /** The client's reader: the first answer byte's time, what came (bounded), and when the connection ended. */
    private static void readAnswer(
        final Socket client, final ByteArrayOutputStream answer, final AtomicLong answeredNs, final AtomicLong endedNs)
    {
        final byte[] buffer = new byte[4096];
        try
        {
            final InputStream in = client.getInputStream();
            int n;
            while ((n = in.read(buffer)) >= 0)
            {
                final long nowNs = System.nanoTime();
                synchronized (answer)
                {
                    if (answer.size() < 64 * 1024)
                    {
                        answer.write(buffer, 0, n);
                    }
                }
                answeredNs.compareAndSet(0, nowNs); // after the bytes: whoever sees the time sees them
            }
        }
        catch (final IOException ex)
        {
            // reset: ended too
        }
        endedNs.set(System.nanoTime());
    }
}
