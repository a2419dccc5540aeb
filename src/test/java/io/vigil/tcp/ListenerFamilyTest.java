package io.vigil.tcp;

import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which address family a listening socket has, as the kernel reports it (/proc/net/tcp and tcp6): one IPv4 address
 * gets an AF_INET socket, so accepted sockets carry no IPv6 state; the wildcard stays dual-stack and still takes
 * IPv6 clients.
 */
@Timeout(20)
class ListenerFamilyTest
{
    private static final String LISTEN_STATE = "0A";

    @Test
    void shouldListenOnAnIpv4SocketForOneIpv4Address() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start("vigil { listeners = [{ name = v4, listen = \"127.0.0.1:0\", " +
                "upstream = up }], upstreams { up { servers = [\"" + upstream.hostPort() + "\"] } } }"))
        {
            final int port = vigil.address("v4").getPort();
            assertTrue(listening("/proc/net/tcp", port), "no AF_INET listening socket on port " + port);
            assertFalse(listening("/proc/net/tcp6", port), "an AF_INET6 listening socket on port " + port);
            try (Socket client = VigilHarness.connect(vigil.address("v4")))
            {
                client.getOutputStream().write(4);
                assertEquals(4, client.getInputStream().read());
            }
        }
    }

    @Test
    void shouldStillTakeIpv6ClientsOnTheWildcardAddress() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start("vigil { listeners = [{ name = any, listen = \"0.0.0.0:0\", " +
                "upstream = up }], upstreams { up { servers = [\"" + upstream.hostPort() + "\"] } } }"))
        {
            final int port = vigil.address("any").getPort();
            assertTrue(listening("/proc/net/tcp6", port), "no dual-stack listening socket on port " + port);
            try (Socket client = VigilHarness.connect(new InetSocketAddress(InetAddress.getByName("::1"), port)))
            {
                client.getOutputStream().write(6);
                assertEquals(6, client.getInputStream().read());
            }
        }
    }

    /** A LISTEN entry for the port in one of the kernel's tables ("sl local_address rem_address st ..."). */
    private static boolean listening(final String table, final int port) throws IOException
    {
        final String portHex = String.format(Locale.ROOT, ":%04X", port);
        final List<String> lines = Files.readAllLines(Path.of(table));
        for (final String line : lines.subList(1, lines.size()))
        {
            final String[] fields = line.trim().split("\\s+");
            if (fields[1].endsWith(portHex) && LISTEN_STATE.equals(fields[3]))
            {
                return true;
            }
        }
        return false;
    }
}
