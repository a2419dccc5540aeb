package io.vigil.upstream;

import io.vigil.config.ConfigLoader;
import io.vigil.config.VigilConfig;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PeerPickerTest
{
    private static PeerPicker picker(final String servers)
    {
        final VigilConfig config = ConfigLoader.parse(
            "vigil { listeners = [{ name = a, listen = \"127.0.0.1:0\", upstream = u }], " +
            "upstreams { u { servers = [" + servers + "] } } }", "test");
        return new UpstreamGroup(config.upstreams().get("u"), true, new AtomicLong()).newPicker();
    }

    @Test
    void shouldInterleaveByWeightLikeNginx()
    {
        // nginx's smooth weighted round-robin for weights 5,1,1 yields a a b a c a a
        final PeerPicker picker = picker("\"127.0.0.1:1 weight=5\", \"127.0.0.1:2\", \"127.0.0.1:3\"");
        final StringBuilder order = new StringBuilder();
        for (int i = 0; i < 7; i++)
        {
            order.append((char)('a' + picker.next(0)));
        }
        assertEquals("aabacaa", order.toString());
    }

    @Test
    void shouldSkipTriedServersAndReportWhenNoneAreLeft()
    {
        final PeerPicker picker = picker("\"127.0.0.1:1\", \"127.0.0.1:2\"");
        final int first = picker.next(0);
        final int second = picker.next(1L << first);
        assertEquals(1 - first, second);
        assertEquals(PeerPicker.NONE, picker.next(0b11));
    }
}
