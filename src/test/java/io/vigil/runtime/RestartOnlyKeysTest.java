package io.vigil.runtime;

import io.vigil.config.ConfigLoader;
import io.vigil.config.VigilConfig;
import io.vigil.log.Log;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload that changes a key the running process cannot apply says so, naming the key.
 */
class RestartOnlyKeysTest
{
    private final ByteArrayOutputStream notices = new ByteArrayOutputStream();

    @AfterEach
    void restoreLog()
    {
        Log.to(null); // back to whatever System.err is (other tests swap it)
    }

    private static VigilConfig config(final String rootKeys)
    {
        return ConfigLoader.parse("vigil { " + rootKeys + " listeners = [{ name = a, listen = \"127.0.0.1:7000\", " +
            "upstream = b }], upstreams { b { servers = [\"127.0.0.1:9000\"] } } }", "test");
    }

    private String warnings(final VigilConfig running, final VigilConfig next)
    {
        notices.reset();
        Log.to(new PrintStream(notices, true, StandardCharsets.UTF_8));
        RestartOnlyKeys.warnChanged(running, next);
        Log.to(null); // back to whatever System.err is (other tests swap it)
        return notices.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldWarnThatAChangedIdleStrategyNeedsARestart()
    {
        final String spin = warnings(config(""), config("idle-strategy = spin,"));
        assertTrue(spin.contains("WARN reload: idle-strategy/idle-spin changed; that takes effect at the next restart"),
            spin);
        final String bound =
            warnings(config("idle-strategy = spin,"), config("idle-strategy = spin, idle-spin = 1ms,"));
        assertTrue(bound.contains("idle-strategy/idle-spin changed"), bound);
        assertEquals("", warnings(config("idle-strategy = spin,"), config("idle-strategy = spin,")), "nothing changed");
    }
}
