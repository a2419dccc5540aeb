package io.vigil.tcp;

import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener on the IPv6 loopback relays to an IPv4 upstream.
 */
@Timeout(20)
class Ipv6ListenerTest
{
    @Test
    void shouldRelayFromAnIpv6Listener() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start("vigil { listeners = [{ name = v6, listen = \"[::1]:0\", " +
                "upstream = up }], upstreams { up { servers = [\"" + upstream.hostPort() + "\"] } } }"))
        {
            final InetSocketAddress bound = vigil.address("v6");
            assertTrue(bound.getAddress() instanceof Inet6Address, bound.toString());
            try (Socket client = VigilHarness.connect(bound))
            {
                client.getOutputStream().write(6);
                assertEquals(6, client.getInputStream().read());
            }
            vigil.awaitAccessLog("client=[0:0:0:0:0:0:0:1]:");
        }
    }
}
