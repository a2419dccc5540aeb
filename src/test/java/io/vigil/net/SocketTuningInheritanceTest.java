package io.vigil.net;

import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Vigil relies on to set fewer options per accept, checked against this kernel and JDK: keepalive tunables set
 * on a listening socket are inherited by the sockets it accepts; SO_KEEPALIVE starts off on them; a listener
 * re-tuned for a new configuration passes its new values (empty fields as the kernel's defaults) on.
 */
@Timeout(30)
class SocketTuningInheritanceTest
{
    private static SocketTuning tuning(final String keepalive)
    {
        return new SocketTuning("test", io.vigil.config.KeepAliveSyntax.parse(keepalive), true, new AtomicLong());
    }

    private static Map<String, Object> options(final SocketChannel channel) throws IOException
    {
        return Map.of("keepalive", channel.getOption(StandardSocketOptions.SO_KEEPALIVE),
            "idle", channel.getOption(ExtendedSocketOptions.TCP_KEEPIDLE),
            "intvl", channel.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL),
            "cnt", channel.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT),
            "nodelay", channel.getOption(StandardSocketOptions.TCP_NODELAY));
    }

    private static SocketChannel acceptOne(final ServerSocketChannel listener, final List<SocketChannel> keep)
        throws IOException
    {
        keep.add(SocketChannel.open(listener.getLocalAddress()));
        final SocketChannel accepted = listener.accept();
        keep.add(accepted);
        return accepted;
    }

    @Test
    void shouldInheritTheListenersTunablesAndSetOnlyTheRestPerAccept() throws Exception
    {
        final List<SocketChannel> sockets = new java.util.ArrayList<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open())
        {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final SocketTuning first = tuning("45:11:4");
            assertTrue(first.applyToListener(listener));
            final SocketChannel a = acceptOne(listener, sockets);
            assertTrue(first.inheritedBy(a), "the kernel passed the listener's tunables on: " + options(a));
            assertEquals(false, a.getOption(StandardSocketOptions.SO_KEEPALIVE), "not inherited: Java cannot set it");
            first.applyAccepted(a, true);
            assertEquals(Map.of("keepalive", true, "idle", 45, "intvl", 11, "cnt", 4, "nodelay", true), options(a));

            // a reload keeps the listening socket: "on" means the kernel's defaults again, not 45:11:4
            final SocketTuning second = tuning("on");
            assertTrue(second.applyToListener(listener));
            final SocketChannel b = acceptOne(listener, sockets);
            assertTrue(second.inheritedBy(b), options(b).toString());
            assertFalse(first.inheritedBy(b), "the old values are gone");
            second.applyAccepted(b, true);
            final KeepAlive system = KernelKeepAlive.systemDefaults();
            assertEquals(Map.of("keepalive", true, "idle", system.idleSec(), "intvl", system.intervalSec(),
                "cnt", system.count(), "nodelay", true), options(b));

            final SocketTuning off = tuning("off");
            assertTrue(off.applyToListener(listener));
            final SocketChannel c = acceptOne(listener, sockets);
            assertTrue(off.inheritedBy(c));
            off.applyAccepted(c, true);
            assertEquals(false, c.getOption(StandardSocketOptions.SO_KEEPALIVE));
        }
        finally
        {
            for (final SocketChannel socket : sockets)
            {
                socket.close();
            }
        }
    }

    @Test
    void shouldApplyEverythingWhenInheritanceIsNotConfirmed() throws Exception
    {
        final List<SocketChannel> sockets = new java.util.ArrayList<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open())
        {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final SocketTuning tuning = tuning("45:11:4");
            final SocketChannel a = acceptOne(listener, sockets); // the listener was never tuned
            assertFalse(tuning.inheritedBy(a));
            tuning.applyAccepted(a, false);
            assertEquals(Map.of("keepalive", true, "idle", 45, "intvl", 11, "cnt", 4, "nodelay", true), options(a));
        }
        finally
        {
            for (final SocketChannel socket : sockets)
            {
                socket.close();
            }
        }
    }
}
