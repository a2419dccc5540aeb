package io.vigil.runtime;

import io.vigil.session.CloseReason;
import io.vigil.session.SessionInfo;
import io.vigil.session.Side;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.StatsLayout;
import io.vigil.stats.StatsSnapshot;
import io.vigil.test.Await;
import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * While traffic flows, any thread can read every counter (summed over loops without locks) and ask the loops
 * for a description of each live session.
 */
@Timeout(30)
class LiveReadOutTest
{
    private static long listener(final StatsSnapshot stats, final String name, final int offset)
    {
        return stats.get(StatsLayout.Kind.LISTENER, List.of(name), offset);
    }

    @Test
    void shouldCountAndListLiveSessionsWhileTheyRun() throws Exception
    {
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            TestOrigin origin = TestOrigin.start();
            VigilHarness vigil = VigilHarness.start("vigil { event-loops = 2, listeners = [" +
                "{ name = pub, listen = \"127.0.0.1:0\", upstream = echo, so-keepalive = \"60:10:3\" }," +
                "{ name = web, listen = \"127.0.0.1:0\", mode = http, upstream = web }]," +
                " upstreams { echo { servers = [\"" + echo.hostPort() + "\"] }," +
                " web { servers = [\"" + origin.hostPort() + "\"] } } }"))
        {
            final List<Socket> clients = new ArrayList<>();
            for (int i = 0; i < 6; i++)
            {
                clients.add(vigil.relayingClient("pub")); // one byte there and back
            }
            final RawHttp http = new RawHttp(vigil.address("web"));
            assertEquals(200, http.get("/hello").status());
            assertEquals(200, http.get("/hello").status());

            // the client can read the last response before the loop has counted the exchange it finished
            Await.until(() -> listener(vigil.server().stats(), "web", ListenerCounters.HTTP_REQUESTS + 1) == 2,
                Duration.ofSeconds(5), "two 2xx answers counted");
            final StatsSnapshot live = vigil.server().stats();
            assertEquals(6, listener(live, "pub", ListenerCounters.ACCEPTED));
            assertEquals(6, listener(live, "pub", ListenerCounters.ACTIVE), "open sessions, summed over 2 loops");
            assertEquals(6, listener(live, "pub", ListenerCounters.BYTES_FROM_CLIENT));
            assertEquals(6, listener(live, "pub", ListenerCounters.BYTES_TO_CLIENT), "counted as bytes move");
            assertEquals(1, listener(live, "web", ListenerCounters.ACTIVE));
            assertEquals(2, listener(live, "web", ListenerCounters.HTTP_REQUESTS + 1), "two 2xx answers");

            final List<SessionInfo> sessions = vigil.server().sessions(2000);
            assertEquals(7, sessions.size(), sessions.toString());
            final List<SessionInfo> relays = sessions.stream().filter(s -> s.listener().equals("pub")).toList();
            assertEquals(6, relays.size());
            for (final SessionInfo session : relays)
            {
                assertEquals("tcp", session.mode());
                assertEquals("relaying", session.state());
                assertEquals(1, session.generation());
                assertEquals(echo.hostPort(), session.upstream());
                assertEquals(1, session.bytesFromClient());
                assertEquals("60:10:3", session.clientKeepAlive());
                assertTrue(session.clientLocal().getPort() == vigil.address("pub").getPort(), session.toString());
                assertTrue(session.upstreamRemote().getPort() == echo.port(), session.toString());
            }
            final SessionInfo web = sessions.stream().filter(s -> s.listener().equals("web")).findFirst().orElseThrow();
            assertEquals("http", web.mode());
            assertEquals(2, web.requests());
            assertEquals("idle", web.state());

            for (final Socket client : clients)
            {
                client.shutdownOutput();
                client.getInputStream().read(); // the echo upstream's FIN comes back
                client.close();
            }
            http.close();
            Await.until(() -> listener(vigil.server().stats(), "pub", ListenerCounters.ACTIVE) == 0,
                Duration.ofSeconds(5), "sessions counted out");
            final StatsSnapshot after = vigil.server().stats();
            assertEquals(6, listener(after, "pub", ListenerCounters.closed(CloseReason.EOF.ordinal(),
                Side.CLIENT.ordinal())), "closed: eof, the client's FIN first");
            Await.until(() -> vigil.server().sessions(2000).isEmpty(), Duration.ofSeconds(5), "none listed");
        }
    }
}
