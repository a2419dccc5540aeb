package io.vigil.config;

import io.vigil.net.KeepAlive;
import io.vigil.net.UserTimeout;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keys {@code max-connections}, {@code max-connections-per-client} and {@code user-timeout}: defaults, values,
 * refusals, and what {@code auto} resolves to.
 */
class EdgeLimitsConfigTest
{
    private static final KeepAlive SYSTEM = new KeepAlive(KeepAlive.Mode.ON, 7200, 75, 9);

    private static VigilConfig config(final String listenerKeys, final String upstreamKeys)
    {
        return ConfigLoader.parse("vigil { listeners = [{ name = a, listen = \"127.0.0.1:0\", upstream = u" +
            listenerKeys + " }], upstreams { u { servers = [\"127.0.0.1:9\"]" + upstreamKeys + " } } }", "t.conf");
    }

    @Test
    void shouldDefaultToNoLimitsAndNoUserTimeout()
    {
        final VigilConfig config = config("", "");
        assertEquals(ConnectionLimits.NONE, config.listeners().get(0).limits());
        assertEquals(UserTimeout.OFF, config.listeners().get(0).userTimeout());
        assertEquals(UserTimeout.OFF, config.upstreams().get("u").userTimeout());
    }

    @Test
    void shouldReadLimitsAndUserTimeouts()
    {
        final VigilConfig config = config(", max-connections = 50000, max-connections-per-client = 200, " +
            "so-keepalive = \"120:30:5\", user-timeout = auto", ", user-timeout = 45s");
        final ListenerConfig listener = config.listeners().get(0);
        assertEquals(new ConnectionLimits(50000, 200), listener.limits());
        assertEquals(UserTimeout.AUTO, listener.userTimeout());
        assertEquals(270_000, listener.userTimeout().effectiveMs(listener.soKeepalive(), SYSTEM),
            "auto = idle + intvl x cnt");
        assertEquals(45_000, config.upstreams().get("u").userTimeout().effectiveMs(KeepAlive.NOT_SET, SYSTEM));
        assertEquals(UserTimeout.OFF, config(", user-timeout = off", "").listeners().get(0).userTimeout());
        assertEquals(700, config(", user-timeout = 700ms", "").listeners().get(0).userTimeout()
            .effectiveMs(KeepAlive.NOT_SET, SYSTEM));
        assertEquals(7200_000 + 75_000 * 9, config(", so-keepalive = on, user-timeout = auto", "").listeners()
            .get(0).userTimeout().effectiveMs(new KeepAlive(KeepAlive.Mode.ON, 0, 0, 0), SYSTEM),
            "auto with keepalive on takes the kernel's defaults");
    }

    @Test
    void shouldRefuseBadValues()
    {
        assertRefused(", max-connections = -1", "", "max-connections");
        assertRefused(", max-connections-per-client = lots", "", "max-connections-per-client");
        assertRefused(", user-timeout = soon", "", "user-timeout");
        assertRefused(", user-timeout = 0s", "", "user-timeout");
        assertRefused(", user-timeout = 30d", "", "user-timeout");
        assertRefused(", user-timeout = auto", "", "so-keepalive");
        assertRefused("", ", so-keepalive = off, user-timeout = auto", "so-keepalive");
    }

    @Test
    void shouldShowUserTimeoutsAndLimitsInCheck()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        io.vigil.cli.CheckReportAccess.print(config(", max-connections = 10, so-keepalive = \"10:5:2\", " +
            "user-timeout = auto", ", user-timeout = 3s"), SYSTEM, new PrintStream(out, true, StandardCharsets.UTF_8));
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("user-timeout mechanism: "), text);
        assertTrue(text.contains("client user-timeout=auto  effective 20000ms, enforced by "), text);
        assertTrue(text.contains("max-connections=10 max-connections-per-client=unlimited"), text);
        assertTrue(text.contains("server user-timeout=3000ms  effective 3000ms"), text);
    }

    private static void assertRefused(final String listenerKeys, final String upstreamKeys, final String mention)
    {
        final ConfigError error = assertThrows(ConfigError.class, () -> config(listenerKeys, upstreamKeys));
        assertTrue(error.getMessage().contains(mention), error.getMessage());
    }
}
