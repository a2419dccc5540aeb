package io.vigil.net;

import io.vigil.config.KeepAliveSyntax;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A socket option that fails at runtime is counted every time and logged once per owner, never silently dropped
 * and never fatal to the connection.
 */
class SocketTuningTest
{
    @Test
    void shouldCountEveryFailureAndLogItOnce() throws Exception
    {
        final AtomicLong failures = new AtomicLong();
        final SocketTuning tuning =
            new SocketTuning("listener test", KeepAliveSyntax.parse("10:5:3"), true, failures);
        final SocketChannel closed = SocketChannel.open();
        closed.close(); // every setOption on it fails

        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream original = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            tuning.apply(closed);
            tuning.apply(closed);
        }
        finally
        {
            System.setErr(original);
        }
        // nodelay, idle, interval, count, keepalive: five options, twice
        assertEquals(10, failures.get());
        final String log = captured.toString(StandardCharsets.UTF_8);
        assertEquals(1, log.lines().count(), log);
        assertTrue(log.contains(" WARN listener test: setting TCP_NODELAY=true failed, ignored"), log);
    }
}
