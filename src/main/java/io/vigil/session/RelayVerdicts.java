package io.vigil.session;

import io.vigil.loop.EventLoop;
import io.vigil.net.SocketTuning;

/**
 * What a failing side of a {@link Relay} means, and the loop's stand-in for the kernel's user-timeout: an
 * ETIMEDOUT is keepalive's verdict only when nothing was in flight to that peer, and the user-timeout's when the
 * kernel enforces one there; where it cannot (no TCP_USER_TIMEOUT in this JVM), a side whose bytes waited without
 * write progress for its user-timeout is the stalled one. Owned by the relay's loop.
 */
final class RelayVerdicts
{
    private final EventLoop loop;
    private final Flow toUpstream;
    private final Flow toClient;
    private final SocketTuning clientTuning;
    private final SocketTuning upstreamTuning;
    private long clientUserTimeoutNs;
    private long upstreamUserTimeoutNs;
    private boolean writeStallTimer;
    /** When a sweep last found bytes waiting for the client (Vigil then does not read the upstream). */
    private long upstreamHeldBackNs = Long.MIN_VALUE / 2;

    RelayVerdicts(final EventLoop loop, final Flow toUpstream, final Flow toClient, final SocketTuning clientTuning,
        final SocketTuning upstreamTuning)
    {
        this.loop = loop;
        this.toUpstream = toUpstream;
        this.toClient = toClient;
        this.clientTuning = clientTuning;
        this.upstreamTuning = upstreamTuning;
    }

    void userTimeouts(final long clientNs, final long upstreamNs, final boolean writeStall)
    {
        clientUserTimeoutNs = clientNs;
        upstreamUserTimeoutNs = upstreamNs;
        writeStallTimer = writeStall;
    }

    Side writeStalledSide(final long nowNs)
    {
        if (!writeStallTimer)
        {
            return null;
        }
        if (clientUserTimeoutNs > 0 && toClient.writeStalled(nowNs, clientUserTimeoutNs))
        {
            return Side.CLIENT;
        }
        // while bytes wait for the client, Vigil reads nothing more from the upstream, which may then block on
        // writing and stop reading: a stall the client caused must never count against the server, so only the
        // time since the client last held the upstream back counts (at sweep granularity)
        if (toClient.pending())
        {
            upstreamHeldBackNs = nowNs;
        }
        else if (upstreamUserTimeoutNs > 0 && toUpstream.writeStalled(nowNs, upstreamUserTimeoutNs) &&
            nowNs - upstreamHeldBackNs >= upstreamUserTimeoutNs)
        {
            return Side.UPSTREAM;
        }
        return null;
    }

    boolean idleKeepAlive(final Side side)
    {
        final SocketTuning tuning = side == Side.CLIENT ? clientTuning : upstreamTuning;
        final Flow toward = side == Side.CLIENT ? toClient : toUpstream;
        return tuning.keepAliveEnabled() && !toward.dataInFlight(loop.nowNs(), tuning.keepAliveBudgetNs());
    }

    /** A retransmission timeout on a side with the kernel's user-timeout set is that timeout's verdict. */
    CloseReason classify(final CloseReason reason, final Side side)
    {
        final long userTimeoutNs = side == Side.CLIENT ? clientUserTimeoutNs : upstreamUserTimeoutNs;
        return reason == CloseReason.PEER_TIMEOUT && userTimeoutNs > 0 && !writeStallTimer ?
            CloseReason.USER_TIMEOUT : reason;
    }
}
