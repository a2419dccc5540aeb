package io.vigil.cli;

import io.vigil.config.ConfigLoader;
import io.vigil.net.KeepAlive;
import io.vigil.net.UserTimeouts;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code check} says about user-timeout on an http listener: the same mechanism as for tcp (the write-stall
 * fallback covers HTTP connections too), not another timeout standing in.
 */
class CheckReportUserTimeoutTest
{
    @Test
    void shouldNameTheMechanismForHttpListenersAsForTcp()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        CheckReport.print(ConfigLoader.parse("vigil { listeners = [{ name = web, listen = \"127.0.0.1:0\", " +
            "mode = http, upstream = u, user-timeout = 3s }], upstreams { u { servers = [\"127.0.0.1:9\"], " +
            "user-timeout = 4s } } }", "t.conf"), new KeepAlive(KeepAlive.Mode.ON, 7200, 75, 9),
            new PrintStream(out, true, StandardCharsets.UTF_8));
        final String text = out.toString(StandardCharsets.UTF_8);
        final String mechanism = UserTimeouts.mechanism().label();
        assertTrue(text.contains("client user-timeout=3000ms  effective 3000ms, enforced by " + mechanism), text);
        assertTrue(text.contains("server user-timeout=4000ms  effective 4000ms, enforced by " + mechanism), text);
        assertFalse(text.contains("stands in"), text);
    }
}
