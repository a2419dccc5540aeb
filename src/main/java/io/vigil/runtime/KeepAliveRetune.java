package io.vigil.runtime;

import io.vigil.config.ListenerConfig;
import io.vigil.config.UpstreamConfig;
import io.vigil.config.VigilConfig;
import io.vigil.loop.EventLoop;
import io.vigil.net.SocketTuning;
import io.vigil.session.Session;
import io.vigil.session.Listener;
import io.vigil.upstream.UpstreamGroup;

import java.nio.channels.SocketChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live keepalive re-tuning: when a reload changes a listener's or an upstream's so-keepalive, the new setting is
 * applied to that listener's client sockets and that upstream's sockets that are already open, on every loop (no
 * session is restarted; the kernel's timer takes the new values at once). Sessions are matched by name, whatever
 * generation they started in.
 */
final class KeepAliveRetune
{
    private KeepAliveRetune()
    {
    }

    /**
     * @param before     the configuration that ran.
     * @param after      the one that runs now.
     * @param generation the new generation (its tunings).
     * @param loops      every loop.
     * @param total      the running count of re-tuned sockets, added to as each loop does its part.
     * @return sockets re-tuned, once every loop has done its part (or what was done after a second at most).
     */
    static long apply(final VigilConfig before, final VigilConfig after, final Generation generation,
        final EventLoop[] loops, final AtomicLong total)
    {
        final Map<String, SocketTuning> listeners = new HashMap<>();
        for (final ListenerConfig l : after.listeners())
        {
            before.listeners().stream().filter(b -> b.name().equals(l.name())).findFirst()
                .filter(b -> !b.soKeepalive().equals(l.soKeepalive()))
                .ifPresent(b -> listeners.put(l.name(), generation.listeners().get(l.name()).downstreamTuning()));
        }
        final Map<String, SocketTuning> upstreams = new HashMap<>();
        for (final UpstreamConfig u : after.upstreams().values())
        {
            final UpstreamConfig b = before.upstreams().get(u.name());
            if (b != null && !b.soKeepalive().equals(u.soKeepalive()))
            {
                upstreams.put(u.name(), generation.groups().get(u.name()).tuning());
            }
        }
        if (listeners.isEmpty() && upstreams.isEmpty())
        {
            return 0;
        }
        final AtomicLong retuned = new AtomicLong();
        final CompletableFuture<?>[] done = new CompletableFuture<?>[loops.length];
        for (int i = 0; i < loops.length; i++)
        {
            final EventLoop loop = loops[i];
            final CompletableFuture<Void> finished = new CompletableFuture<>();
            done[i] = finished;
            loop.executeControl(() ->
            {
                loop.forEachSession(session ->
                {
                    if (session instanceof Session)
                    {
                        final int n = retune((Session)session, listeners, upstreams);
                        retuned.addAndGet(n);
                        total.addAndGet(n);
                    }
                });
                finished.complete(null);
            });
        }
        try
        {
            CompletableFuture.allOf(done).get(1, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            // a busy loop re-tunes later (and adds to the total then); the count is what was done so far
        }
        return retuned.get();
    }

    private static int retune(final Session session, final Map<String, SocketTuning> listeners,
        final Map<String, SocketTuning> upstreams)
    {
        int n = 0;
        final Listener listener = session.listener();
        final SocketTuning client = listeners.get(listener.name());
        if (client != null)
        {
            client.apply(session.clientChannel());
            n++;
        }
        final UpstreamGroup group = session.upstreamGroup();
        final SocketTuning upstream = upstreams.get(group.name());
        if (upstream != null && group.tuning() != upstream)
        {
            group.retune(upstream); // its later connects (failover, the next HTTP request) use the new options
        }
        final SocketChannel connected = session.upstreamChannel();
        final SocketChannel channel = connected != null ? connected : session.connectingUpstreamChannel();
        if (upstream != null && channel != null)
        {
            upstream.apply(channel);
            n++;
        }
        return n;
    }
}
