package io.vigil.runtime;

import io.vigil.config.UpstreamConfig;
import io.vigil.loop.EventLoop;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerUser;
import io.vigil.upstream.UpstreamGroup;

import java.util.function.BiConsumer;

/**
 * {@code on-down = close-sessions}: when a health check marks a server down, every loop closes its idle pooled
 * connections to it and ends its sessions on it, each loop through its control queue (the loop owns both). Groups
 * with another on-down setting keep their sessions.
 */
final class CloseSessionsOnDown implements BiConsumer<UpstreamGroup, Peer>
{
    private final LoopContext[] contexts;

    CloseSessionsOnDown(final LoopContext[] contexts)
    {
        this.contexts = contexts;
    }

    @Override
    public void accept(final UpstreamGroup group, final Peer peer)
    {
        if (group.config().onDown() != UpstreamConfig.OnDown.CLOSE_SESSIONS)
        {
            return;
        }
        for (final LoopContext context : contexts)
        {
            final EventLoop loop = context.loop();
            loop.executeControl(() ->
            {
                context.pools().forEach(pool -> pool.closeTo(peer));
                loop.forEachSession(session ->
                {
                    if (session instanceof PeerUser)
                    {
                        ((PeerUser)session).onPeerDown(peer);
                    }
                });
            });
        }
    }
}
