package io.vigil.http;

import io.vigil.loop.EventLoop;
import io.vigil.loop.LivenessCheck;
import io.vigil.net.SocketTuning;
import io.vigil.session.CloseReason;
import io.vigil.session.Liveness;
import io.vigil.session.Side;

import java.nio.channels.SelectionKey;

/**
 * What the connection waits for on each socket after every step (read while there is room, write while bytes
 * are pending), and the kernel's word on sockets that epoll cannot see meanwhile (interest ops 0: checked every
 * {@link Liveness#CHECK_NS}), with what an ETIMEDOUT on either side means. Not used once the connection is a
 * tunnel: the tunnel's relay has its own. Owned by the connection's loop.
 */
final class HttpInterest implements LivenessCheck
{
    private final HttpConnection c;
    private final EventLoop loop;
    private final ClientInput in;
    private final Exchange ex;
    private final RequestForwarder forwarder;
    private final ResponseRelay response;
    private final UpstreamLease lease;
    private final SocketTuning clientTuning;
    private final SocketTuning upstreamTuning;
    /** In the loop's liveness checks (at most once). */
    private boolean livenessWatched;
    private boolean stopped;

    HttpInterest(
        final HttpConnection c, final ClientInput in, final Exchange ex, final RequestForwarder forwarder,
        final ResponseRelay response, final UpstreamLease lease, final SocketTuning clientTuning,
        final SocketTuning upstreamTuning)
    {
        this.c = c;
        this.loop = c.shard().loop();
        this.in = in;
        this.ex = ex;
        this.forwarder = forwarder;
        this.response = response;
        this.lease = lease;
        this.clientTuning = clientTuning;
        this.upstreamTuning = upstreamTuning;
    }

    /**
     * Set both sockets' interest ops from the state after a step.
     *
     * @param clientKey the client socket's key.
     * @param exchange  whether an exchange is running (its body may make room by streaming).
     */
    void update(final SelectionKey clientKey, final boolean exchange)
    {
        final boolean clientRoom = in.buf == null || !in.full() ||
            exchange && !ex.requestBody.complete() && !ex.generated && in.pos > 0;
        final int clientOps = (!in.eof && clientRoom ? SelectionKey.OP_READ : 0) |
            (response.pending() ? SelectionKey.OP_WRITE : 0);
        if (clientKey.interestOps() != clientOps)
        {
            clientKey.interestOps(clientOps);
        }
        int upstreamOps = -1;
        if (lease.state == UpstreamLease.READY)
        {
            upstreamOps = (!lease.eof && response.hasRoom() ? SelectionKey.OP_READ : 0) |
                (forwarder.pending() ? SelectionKey.OP_WRITE : 0);
            if (lease.key.interestOps() != upstreamOps)
            {
                lease.key.interestOps(upstreamOps);
            }
        }
        if ((clientOps == 0 || upstreamOps == 0) && !livenessWatched && !stopped && Liveness.available())
        {
            livenessWatched = true;
            loop.watchLiveness(this);
        }
    }

    @Override
    public boolean checkLiveness(final long nowNs)
    {
        livenessWatched = stillBlind();
        return livenessWatched;
    }

    private boolean stillBlind()
    {
        if (stopped || !c.open())
        {
            return false;
        }
        // a socket with no interest ops is invisible to epoll: ask the kernel whether it failed
        final SelectionKey clientKey = c.clientKey();
        final int clientErrno = in.eof ? Liveness.ALIVE : Liveness.failedErrno(clientKey);
        if (clientErrno != Liveness.ALIVE)
        {
            c.close(CloseReason.ofErrno(clientErrno, idleKeepAlive(Side.CLIENT)), Side.CLIENT);
            return false;
        }
        final boolean upstreamReady = lease.state == UpstreamLease.READY;
        final int upstreamErrno = upstreamReady && !lease.eof ? Liveness.failedErrno(lease.key) : Liveness.ALIVE;
        if (upstreamErrno != Liveness.ALIVE)
        {
            c.close(CloseReason.ofErrno(upstreamErrno, idleKeepAlive(Side.UPSTREAM)), Side.UPSTREAM);
            return false;
        }
        return Liveness.blind(clientKey) || upstreamReady && Liveness.blind(lease.key);
    }

    /**
     * Whether an ETIMEDOUT on that side is the keepalive verdict: keepalive is on there and nothing was in flight
     * to it (else the kernel was retransmitting, and keepalive never probed).
     *
     * @param side the client or the upstream.
     * @return true for a keepalive verdict.
     */
    boolean idleKeepAlive(final Side side)
    {
        final long nowNs = loop.nowNs();
        if (side == Side.CLIENT)
        {
            return clientTuning.keepAliveEnabled() && !response.pending() &&
                !(response.wrote && nowNs - response.wroteNs < clientTuning.keepAliveBudgetNs());
        }
        return upstreamTuning.keepAliveEnabled() && !forwarder.pending() &&
            !(lease.wrote && nowNs - lease.wroteNs < upstreamTuning.keepAliveBudgetNs());
    }

    /**
     * Stop checking (the connection closes or becomes a tunnel).
     */
    void stop()
    {
        stopped = true; // the loop drops the check at its next round
    }
}
