package io.vigil.scenario;

import io.vigil.net.UserTimeouts;
import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.VigilHarness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static io.vigil.scenario.UserTimeoutScenarios.TIMEOUT_MS;
import static io.vigil.scenario.UserTimeoutScenarios.check;

/**
 * A pooled upstream connection whose server vanished while it sat idle (a partition that drops only that
 * connection's packets: the server itself is fine) is picked for the next GET. The request goes into the socket,
 * nothing is acknowledged, and after {@code user-timeout} the kernel declares the connection dead (ETIMEDOUT; on
 * Java 17 the write-stall timer does, as the head the connection never takes waits).
 * That is a reused connection failing before any response byte, the classic case for sending an idempotent
 * request again on a fresh connection (nginx proxy_next_upstream, HAProxy retry-on conn-failure): the client must
 * get the server's 200, not a 504, and the server must not be counted as failed. Runs in a private network
 * namespace, on the newer JDK (the kernel's verdict) and on Java 17 (the write-stall timer's), started by
 * {@link StalePooledUpstreamScenarioTest}.
 */
public final class StalePooledUpstreamScenario
{
    private static final String PROXY_IP = UserTimeoutScenarios.PROXY_IP;
    private static final String UPSTREAM_IP = UserTimeoutScenarios.UPSTREAM_IP;
    private static final int PROXY_PORT = UserTimeoutScenarios.PROXY_PORT;
    private static final int UPSTREAM_PORT = UserTimeoutScenarios.UPSTREAM_PORT;
    private static final String POOL_IDLE = "vigil_upstream_pool_idle_connections{upstream=\"up\"}";

    private static final String LARGE_FIELDS = ("X-Pad: " + "p".repeat(8000) + "\r\n").repeat(50);

    private StalePooledUpstreamScenario()
    {
    }

    /**
     * @param args the expected user-timeout mechanism label (kernel or write-stall).
     */
    public static void main(final String[] args)
    {
        ScenarioMain.runAndExit("stale pooled upstream", () ->
        {
            UserTimeoutScenarios.checkMechanism(args[0]);
            Netns.setUp(PROXY_PORT, UserTimeoutScenarios.CLIENT_IP, UPSTREAM_IP, UPSTREAM_PORT);
            // Ethernet-sized segments: the kernel then sizes a new connection's send buffer well below the request
            Netns.run("ip", "link", "set", "lo", "mtu", "1500");
            run();
        });
    }

    private static String config()
    {
        // read-timeout far beyond the user-timeout: only the user-timeout's verdict can end the stale connection; the
        // buffers hold the whole large request, so it can be sent again
        return "vigil { event-loops = 1, admin { listen = \"127.0.0.1:0\" }, listeners = [{ name = pub, " +
            "listen = \"" + PROXY_IP + ":" + PROXY_PORT + "\", mode = http, upstream = up, buffer-size = 1m, " +
            "max-header-size = 1m }], upstreams { up { " +
            "servers = [\"" + UPSTREAM_IP + ":" + UPSTREAM_PORT + "\"], user-timeout = " + TIMEOUT_MS + "ms, " +
            "read-timeout = 60s } } }";
    }

    private static double poolIdle(final VigilHarness vigil)
    {
        try
        {
            return Admin.metric(vigil.adminAddress(), POOL_IDLE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Through the channel, not its socket adaptor: Vigil's own socket layer (Java 22+) has no adaptor. */
    private static int localPort(final SocketChannel upstream)
    {
        try
        {
            return ((InetSocketAddress)upstream.getLocalAddress()).getPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static void run() throws Exception
    {
        final AtomicInteger upstreamPort = new AtomicInteger();
        try (TestOrigin origin = TestOrigin.start(new InetSocketAddress(InetAddress.getByName(UPSTREAM_IP),
                UPSTREAM_PORT));
            VigilHarness vigil = VigilHarness.start(config()))
        {
            vigil.onEstablished((client, upstream) -> upstreamPort.compareAndSet(0,
                localPort(upstream)));
            final InetSocketAddress proxy = new InetSocketAddress(InetAddress.getByName(PROXY_IP), PROXY_PORT);
            try (RawHttp first = new RawHttp(proxy))
            {
                final RawHttp.Response response = first.get("/first");
                check(response.status() == 200, "the first request is answered: " + response.raw());
            }
            Await.until(() -> poolIdle(vigil) == 1, Duration.ofSeconds(5),
                "the upstream connection went back to the pool");
            check(upstreamPort.get() != 0 && origin.connections() == 1, "one upstream connection, port " +
                upstreamPort.get());

            // the pooled connection's packets vanish both ways; a new connection to the same server still works
            Netns.blackholePort(upstreamPort.get());
            final long sentNs = System.nanoTime();
            try (RawHttp second = new RawHttp(proxy))
            {
                second.socket().setSoTimeout((int)(TIMEOUT_MS + 15_000));
                // a GET whose head is larger than the send buffer: part of it waits for a window that never opens,
                // so the verdict comes to the write (on Java 17, only there)
                second.send("GET /second HTTP/1.1\r\nHost: scenario\r\n" + LARGE_FIELDS + "\r\n");
                final RawHttp.Response response = second.read(false);
                final long answeredMs = Duration.ofNanos(System.nanoTime() - sentNs).toMillis();
                check(response.status() == 200, "the GET sent into the dead pooled connection is sent again on a " +
                    "fresh one and answered, got " + response.status() + " after " + answeredMs + " ms:\n" +
                    response.raw());
                check(answeredMs >= TIMEOUT_MS - 500, "answered " + answeredMs + " ms after: before the " +
                    "user-timeout, so the stale connection was not the one tried first");
                check(origin.connections() == 2, "a second upstream connection, got " + origin.connections());
                System.out.printf("GET on a dead pooled connection (%s user-timeout %d ms): sent again on a " +
                    "fresh connection, 200 after %d ms%n", UserTimeouts.mechanism().label(), TIMEOUT_MS,
                    answeredMs);
            }
            final String log = vigil.awaitAccessLog("/second");
            check(!log.contains("status=504"), "no 504 in the access log:\n" + log);
            // the idle-close race is not the server's failure: the server stays up for the next client
            try (RawHttp third = new RawHttp(proxy))
            {
                final RawHttp.Response response = third.get("/third");
                check(response.status() == 200, "the server is still up: " + response.raw());
            }
        }
    }
}
