package io.vigil.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostPortTest
{
    @Test
    void shouldParseNginxListenForms()
    {
        assertEquals(new InetSocketAddress("127.0.0.1", 80), HostPort.parseListen("127.0.0.1:80"));
        assertTrue(HostPort.parseListen("*:8080").getAddress().isAnyLocalAddress());
        assertTrue(HostPort.parseListen("8080").getAddress().isAnyLocalAddress());
        assertEquals(8080, HostPort.parseListen("8080").getPort());
        assertEquals("[0:0:0:0:0:0:0:1]:9000", HostPort.format(HostPort.parseListen("[::1]:9000")));
        assertEquals(0, HostPort.parseListen("127.0.0.1:0").getPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "127.0.0.1", "127.0.0.1:", ":80", "::1:80", "[::1:80", "127.0.0.1:70000",
        "127.0.0.1:http",
        // found by fuzzing: a sign and other scripts' digits were taken as a port
        "127.0.0.1:+80", "127.0.0.1:\u0668\u0660", "\u0668\u0660", "*:-0"})
    void shouldRefuseMalformedListenAddresses(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> HostPort.parseListen(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"*:80", "127.0.0.1:0", "80"})
    void shouldRequireHostAndPortForServers(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> HostPort.parseServer(text));
    }
}
