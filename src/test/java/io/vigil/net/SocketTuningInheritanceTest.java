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
 * What Vigil relies on to set fewer options per accept, checked against this kernel and JDK: options set on a
 * listening socket (keepalive tunables through Java, SO_KEEPALIVE and TCP_NODELAY through the JDK's setsockopt) are
 * inherited by the sockets it accepts; a listener re-tuned for a new configuration passes its new values (empty
 * fields as the kernel's defaults, off as off) on; without the JDK's entry the rest is set per accept.
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
    void shouldInheritEveryOptionFromTheListenerSoNothingIsSetPerAccept() throws Exception
    {
        final List<SocketChannel> sockets = new java.util.ArrayList<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open())
        {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final SocketTuning first = tuning("45:11:4");
            assertEquals(SocketTuning.ALL, first.applyToListener(listener), "this JDK lets the listener take all");
            final SocketChannel a = acceptOne(listener, sockets);
            assertTrue(first.inheritedBy(a, SocketTuning.ALL));
            assertEquals(Map.of("keepalive", true, "idle", 45, "intvl", 11, "cnt", 4, "nodelay", true), options(a),
                "as accepted, before any option is set on it");

            // a reload keeps the listening socket: "on" means the kernel's defaults again, not 45:11:4
            final SocketTuning second = tuning("on");
            assertEquals(SocketTuning.ALL, second.applyToListener(listener));
            final SocketChannel b = acceptOne(listener, sockets);
            assertTrue(second.inheritedBy(b, SocketTuning.ALL), options(b).toString());
            assertFalse(first.inheritedBy(b, SocketTuning.ALL), "the old values are gone");
            final KeepAlive system = KernelKeepAlive.systemDefaults();
            assertEquals(Map.of("keepalive", true, "idle", system.idleSec(), "intvl", system.intervalSec(),
                "cnt", system.count(), "nodelay", true), options(b));

            final SocketTuning off = new SocketTuning("test", io.vigil.config.KeepAliveSyntax.parse("off"), false,
                new AtomicLong());
            assertEquals(SocketTuning.ALL, off.applyToListener(listener));
            final SocketChannel c = acceptOne(listener, sockets);
            assertTrue(off.inheritedBy(c, SocketTuning.ALL));
            assertEquals(false, c.getOption(StandardSocketOptions.SO_KEEPALIVE));
            assertEquals(false, c.getOption(StandardSocketOptions.TCP_NODELAY));
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
    void shouldSetWhatTheListenerCannotTakePerAccept() throws Exception
    {
        final List<SocketChannel> sockets = new java.util.ArrayList<>();
        System.setProperty("vigil.listener-options", "false");
        try (ServerSocketChannel listener = ServerSocketChannel.open())
        {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final SocketTuning tuning = tuning("45:11:4");
            final int carried = tuning.applyToListener(listener);
            assertEquals(SocketTuning.TUNABLES, carried, "Java alone: the keepalive tunables only");
            final SocketChannel a = acceptOne(listener, sockets);
            assertTrue(tuning.inheritedBy(a, carried));
            assertEquals(false, a.getOption(StandardSocketOptions.SO_KEEPALIVE), "not inherited: Java cannot set it");
            tuning.applyAccepted(a, carried);
            assertEquals(Map.of("keepalive", true, "idle", 45, "intvl", 11, "cnt", 4, "nodelay", true), options(a));
        }
        finally
        {
            System.clearProperty("vigil.listener-options");
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
            assertFalse(tuning.inheritedBy(a, SocketTuning.ALL));
            tuning.applyAccepted(a, 0);
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
