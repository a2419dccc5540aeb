package io.vigil.config;

import io.vigil.net.Cidr;
import io.vigil.test.TempFiles;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PROXY protocol keys: defaults, values, and refusals that name file, line and key.
 */
class ProxyProtocolConfigTest
{
    private static String config(final String listener, final String upstream)
    {
        return "vigil {\n" +
            "  listeners = [\n" +
            "    { name = a, listen = \"127.0.0.1:0\", upstream = b, " + listener + " }\n" +
            "  ]\n" +
            "  upstreams {\n" +
            "    b {\n" +
            "      servers = [\"127.0.0.1:9\"]\n" +
            "      " + upstream + "\n" +
            "    }\n" +
            "  }\n" +
            "}\n";
    }

    private static String refusal(final String hocon) throws IOException
    {
        final File file = TempFiles.write("vigil-pp", ".conf", hocon);
        return file.getPath() + "|" + assertThrows(ConfigError.class, () -> ConfigLoader.load(file)).getMessage();
    }

    @Test
    void shouldDefaultToOffWithAFiveSecondTimeoutAndNoTrustList()
    {
        final VigilConfig config = ConfigLoader.parse(config("", ""), "t.conf");
        final ProxyProtocolConfig pp = config.listeners().get(0).proxyProtocol();
        assertFalse(pp.enabled());
        assertEquals(TimeUnit.SECONDS.toNanos(5), pp.timeoutNs());
        assertTrue(pp.trusted().isEmpty());
        assertEquals(SendProxyProtocol.OFF, config.upstreams().get("b").sendProxyProtocol());
    }

    @Test
    void shouldReadValues() throws Exception
    {
        final VigilConfig config = ConfigLoader.parse(config("proxy-protocol = on, proxy-protocol-timeout = 250ms, " +
            "proxy-protocol-trusted = [\"10.0.0.0/8\", \"fd00::/8\", \"192.0.2.1\"]", "send-proxy-protocol = v2"),
            "t.conf");
        final ProxyProtocolConfig pp = config.listeners().get(0).proxyProtocol();
        assertTrue(pp.enabled());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), pp.timeoutNs());
        assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8"), Cidr.parse("192.0.2.1")), pp.trusted());
        assertTrue(pp.trusts(InetAddress.getByName("10.200.0.1")));
        assertTrue(pp.trusts(InetAddress.getByName("::ffff:10.0.0.1")));
        assertTrue(pp.trusts(InetAddress.getByName("fdff::1")));
        assertTrue(pp.trusts(InetAddress.getByName("192.0.2.1")));
        assertFalse(pp.trusts(InetAddress.getByName("192.0.2.2")));
        assertFalse(pp.trusts(InetAddress.getByName("11.0.0.1")));
        assertFalse(pp.trusts(InetAddress.getByName("fe00::1")));
        assertEquals(SendProxyProtocol.V2, config.upstreams().get("b").sendProxyProtocol());
    }

    @Test
    void shouldRefuseSendProxyProtocolOnAnUpstreamOfAnHttpListener() throws Exception
    {
        final String[] message = refusal(config("mode = http", "send-proxy-protocol = v1")).split("\\|", 2);
        assertTrue(message[1].startsWith(message[0] + ":8: vigil.upstreams.b.send-proxy-protocol: "), message[1]);
        assertTrue(message[1].contains("http listener \"a\" (" + message[0] + ":3)"), message[1]);
    }

    @Test
    void shouldRefuseBadValuesNamingFileLineAndKey() throws Exception
    {
        String[] message = refusal(config("proxy-protocol-trusted = [\"10.0.0.0/33\"]", "")).split("\\|", 2);
        assertTrue(message[1].startsWith(message[0] + ":3: vigil.listeners[0].proxy-protocol-trusted[0]: "),
            message[1]);
        message = refusal(config("proxy-protocol-trusted = [\"example.com\"]", "")).split("\\|", 2);
        assertTrue(message[1].contains("proxy-protocol-trusted[0]: \"example.com\" is not an address block"),
            message[1]);
        message = refusal(config("proxy-protocol = maybe", "")).split("\\|", 2);
        assertTrue(message[1].startsWith(message[0] + ":3: vigil.listeners[0].proxy-protocol: "), message[1]);
        message = refusal(config("", "send-proxy-protocol = v3")).split("\\|", 2);
        assertTrue(message[1].startsWith(message[0] + ":8: vigil.upstreams.b.send-proxy-protocol: "), message[1]);
        message = refusal(config("proxy-protocol-timeout = 0", "")).split("\\|", 2);
        assertTrue(message[1].contains("vigil.listeners[0].proxy-protocol-timeout: must be at least"), message[1]);
    }
}
