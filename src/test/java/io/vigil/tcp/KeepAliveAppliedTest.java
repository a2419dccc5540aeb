package io.vigil.tcp;

import io.vigil.test.Await;
import io.vigil.test.Ss;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The listener's so-keepalive reaches every accepted socket and the upstream's reaches every upstream socket:
 * read back with getOption and seen by the kernel in {@code ss -tno}.
 */
@Timeout(30)
class KeepAliveAppliedTest
{
    private static String config(final String upstreamPort, final String clientKeepalive, final String upKeepalive)
    {
        return "vigil { event-loops = 2, listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up, " +
            "so-keepalive = \"" + clientKeepalive + "\" }], upstreams { up { servers = [\"127.0.0.1:" +
            upstreamPort + "\"], so-keepalive = \"" + upKeepalive + "\" } } }";
    }

    private static Map<String, Object> options(final SocketChannel channel) throws IOException
    {
        final Map<String, Object> options = new ConcurrentHashMap<>();
        options.put("keepalive", channel.getOption(StandardSocketOptions.SO_KEEPALIVE));
        options.put("idle", channel.getOption(ExtendedSocketOptions.TCP_KEEPIDLE));
        options.put("intvl", channel.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL));
        options.put("cnt", channel.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT));
        options.put("nodelay", channel.getOption(StandardSocketOptions.TCP_NODELAY));
        return options;
    }

    /** Options of each side, read on the loop thread as the session is established. */
    private static Map<String, Map<String, Object>> recordOptions(final VigilHarness vigil)
    {
        final Map<String, Map<String, Object>> seen = new ConcurrentHashMap<>();
        vigil.onEstablished((downstream, up) ->
        {
            try
            {
                seen.put("downstream", options(downstream));
                seen.put("upstream", options(up));
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        return seen;
    }

    @Test
    void shouldApplyListenerKeepaliveToAcceptedAndUpstreamKeepaliveBeforeConnect() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config(String.valueOf(upstream.port()), "45:11:4", "33:7:3")))
        {
            final Map<String, Map<String, Object>> seen = recordOptions(vigil);
            try (Socket client = vigil.relayingClient("pub"))
            {
                Await.until(() -> seen.size() == 2, Duration.ofSeconds(5), "session established");

                assertEquals(Map.of("keepalive", true, "idle", 45, "intvl", 11, "cnt", 4, "nodelay", true),
                    seen.get("downstream"));
                assertEquals(Map.of("keepalive", true, "idle", 33, "intvl", 7, "cnt", 3, "nodelay", true),
                    seen.get("upstream"));

                // the kernel agrees: Vigil's accepted socket and its upstream socket run keepalive timers
                final List<String> accepted = Ss.established("( sport = :" + vigil.address("pub").getPort() + " )");
                assertEquals(1, accepted.size(), accepted.toString());
                final double acceptedLeft = Ss.keepaliveSecondsLeft(accepted.get(0));
                assertTrue(acceptedLeft > 40 && acceptedLeft <= 45, accepted.get(0));

                final List<String> toUpstream = Ss.established("( dport = :" + upstream.port() + " )");
                assertEquals(1, toUpstream.size(), toUpstream.toString());
                final double upstreamLeft = Ss.keepaliveSecondsLeft(toUpstream.get(0));
                assertTrue(upstreamLeft > 28 && upstreamLeft <= 33, toUpstream.get(0));
            }
        }
    }

    @Test
    void shouldTurnKeepaliveOffOrLeaveItAlone() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config(String.valueOf(upstream.port()), "off", "default")))
        {
            final Map<String, Map<String, Object>> seen = recordOptions(vigil);
            try (Socket client = vigil.relayingClient("pub"))
            {
                Await.until(() -> seen.size() == 2, Duration.ofSeconds(5), "session established");
                assertEquals(false, seen.get("downstream").get("keepalive"));
                assertEquals(false, seen.get("upstream").get("keepalive"), "Linux sockets start without keepalive");
                final List<String> accepted = Ss.established("( sport = :" + vigil.address("pub").getPort() + " )");
                assertEquals(-1, Ss.keepaliveSecondsLeft(accepted.get(0)), accepted.get(0));
            }
        }
    }
    @Test
    void shouldTuneEveryAcceptedSocketAndFollowAReloadOnTheSameListeningSocket() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start(config(String.valueOf(upstream.port()), "45:11:4", "33:7:3")))
        {
            final Map<String, Map<String, Object>> seen = recordOptions(vigil);
            // the first accept is read back; the later ones take the listener's tunables and get only the rest
            for (int i = 0; i < 4; i++)
            {
                seen.clear();
                try (Socket client = vigil.relayingClient("pub"))
                {
                    Await.until(() -> seen.size() == 2, Duration.ofSeconds(5), "session established");
                    assertEquals(Map.of("keepalive", true, "idle", 45, "intvl", 11, "cnt", 4, "nodelay", true),
                        seen.get("downstream"), "session " + i);
                }
            }
            vigil.reload(config(String.valueOf(upstream.port()), "on", "33:7:3"));
            final io.vigil.net.KeepAlive system = io.vigil.net.KernelKeepAlive.systemDefaults();
            for (int i = 0; i < 3; i++)
            {
                seen.clear();
                try (Socket client = vigil.relayingClient("pub"))
                {
                    Await.until(() -> seen.size() == 2, Duration.ofSeconds(5), "session established");
                    assertEquals(Map.of("keepalive", true, "idle", system.idleSec(), "intvl", system.intervalSec(),
                        "cnt", system.count(), "nodelay", true), seen.get("downstream"), "after reload, session " + i);
                }
            }
        }
    }
}
