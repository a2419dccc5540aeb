package io.vigil.http;

import io.vigil.loop.FreedDescriptors;
import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An upstream socket closed while its client stays frees a descriptor, and acceptors paused at EMFILE must hear of it
 * ({@link FreedDescriptors}) as they do of a session's close: a connect that failed, a pooled connection the server
 * closed. Here a waiter stands in for the paused acceptor; FdExhaustionTest runs the pool case at a real limit.
 */
@Timeout(30)
class UpstreamCloseFreesDescriptorsTest
{
    private final AtomicInteger told = new AtomicInteger();
    private final Runnable waiter = told::incrementAndGet;

    @AfterEach
    void stopWaiting()
    {
        FreedDescriptors.stopWaiting(waiter);
    }

    @Test
    void shouldTellWaitersWhenAFailedConnectClosesItsSocket() throws Exception
    {
        final int deadPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            deadPort = probe.getLocalPort();
        }
        try (VigilHarness vigil = VigilHarness.start(HttpConfigs.web(1, "\"127.0.0.1:" + deadPort + "\"", "", ""));
            RawHttp http = new RawHttp(vigil.address("web")))
        {
            FreedDescriptors.await(waiter);
            assertEquals(502, http.get("/hello").status(), "the connect was refused");
            Await.until(() -> told.get() > 0, Duration.ofSeconds(5), "the refused socket's close told waiters");
            assertEquals(503, http.get("/hello").status(), "answered on the same connection, which stayed open (503: " +
                "the refused server counts as failed now)");
        }
    }

    @Test
    void shouldTellWaitersWhenAPooledConnectionIsClosedByItsServer() throws Exception
    {
        try (TestOrigin origin = TestOrigin.start();
            VigilHarness vigil = VigilHarness.start(HttpConfigs.web(origin, "", ""));
            RawHttp http = new RawHttp(vigil.address("web")))
        {
            assertEquals(200, http.get("/hello").status());
            Await.until(() -> origin.openConnections() == 1, Duration.ofSeconds(5), "one pooled upstream connection");
            FreedDescriptors.await(waiter);
            origin.closeAll(); // the server's idle close: Vigil evicts and closes its end
            Await.until(() -> told.get() > 0, Duration.ofSeconds(5), "the evicted socket's close told waiters");
            assertEquals(200, http.get("/hello").status(), "the client's connection stayed open");
        }
    }
}
