package io.vigil.http;

import io.vigil.http.codec.HttpStatus;
import io.vigil.session.CloseReason;
import io.vigil.session.Listener;
import io.vigil.session.Relay;
import io.vigil.session.Side;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;

/**
 * {@code user-timeout} for an HTTP connection. Where the kernel enforces it (TCP_USER_TIMEOUT, Java 22+) this
 * only names the verdict: a retransmission timeout on a side with a user-timeout is {@code user_timeout}. Where
 * it does not (Java 17), it is the write-stall fallback, checked by the loop's sweep: response bytes waiting for a
 * client whose last write left them pending, with no progress since, for the client's user-timeout, close the
 * connection and its upstream; request bytes waiting for an upstream that long drop the upstream (a server
 * failure) and answer 504, or close when the response already started; on a reused connection before any response
 * byte either verdict sends an idempotent request again on a fresh connection instead. The timestamps are the ones
 * send-timeout uses (the last write progress); nothing is allocated. The tunnel after an upgrade is a
 * {@link Relay}, which has its own check ({@link HttpTunnel#sweep}). Owned by the connection's loop.
 */
final class HttpUserTimeouts
{
    private final HttpConnection connection;
    private final Exchange ex;
    private final RequestForwarder forwarder;
    private final ResponseRelay response;
    private final UpstreamLease lease;
    private final long clientNs;
    private final long upstreamNs;
    private final boolean writeStall;
    /** The upstream timed out and the client got a 504: that is why the connection ends, whenever it does. */
    private boolean upstreamVerdict;
    /** When a sweep last found Vigil not reading the upstream because the client left its response unread. */
    private long heldBackNs = Long.MIN_VALUE / 2;

    HttpUserTimeouts(
        final HttpConnection connection, final Listener listener, final Exchange ex,
        final RequestForwarder forwarder, final ResponseRelay response, final UpstreamLease lease)
    {
        this.connection = connection;
        this.ex = ex;
        this.forwarder = forwarder;
        this.response = response;
        this.lease = lease;
        this.clientNs = listener.clientUserTimeoutNs();
        this.upstreamNs = listener.upstreamUserTimeoutNs();
        this.writeStall = listener.userTimeoutByWriteStall();
    }

    /**
     * The write-stall check during an exchange (sweep).
     *
     * @param nowNs the loop's clock.
     * @return true when a side timed out (the exchange changed course).
     */
    boolean exchange(final long nowNs)
    {
        if (!writeStall)
        {
            return false;
        }
        if (clientNs > 0 && response.pending() && !response.clientWritable &&
            nowNs - ex.lastClientWriteNs >= clientNs)
        {
            connection.close(CloseReason.USER_TIMEOUT, Side.CLIENT);
            return true;
        }
        if (upstreamNs > 0 && lease.state == UpstreamLease.READY && upstreamWriteStalled(nowNs, upstreamNs))
        {
            upstreamTimedOut();
            connection.drive();
            return true;
        }
        return false;
    }

    /**
     * Whether the request's bytes waited for the upstream, with no write progress, for {@code limitNs} - counting
     * only time in which Vigil was taking the upstream's response. While the response buffer is full because the
     * client does not read, Vigil stops reading the upstream, an upstream that streams its answer then blocks on
     * writing and stops reading the request: a stall the client caused, which must never count against the
     * server (a client could otherwise get every server marked down). Sweep granularity: a hold-back between two
     * sweeps that the second no longer sees is not noticed.
     *
     * @param nowNs   the loop's clock.
     * @param limitNs the stall that condemns the upstream (user-timeout or send-timeout).
     * @return true when the upstream itself stopped taking the request.
     */
    boolean upstreamWriteStalled(final long nowNs, final long limitNs)
    {
        if (!forwarder.pending() || lease.writable)
        {
            return false;
        }
        if (!response.hasRoom())
        {
            heldBackNs = nowNs;
            return false;
        }
        return nowNs - Math.max(lease.lastWriteNs, heldBackNs) >= limitNs;
    }

    /**
     * Give the tunnel the sides' user-timeouts (its check, or its reading of a kernel verdict).
     *
     * @param tunnel the relay, before it starts.
     */
    void configure(final Relay tunnel)
    {
        tunnel.userTimeouts(clientNs, upstreamNs, writeStall);
    }

    /**
     * A failed write of the request: when it is the kernel's user-timeout verdict, treat it as the write-stall
     * verdict would be (504 or close).
     *
     * @param reason the failure's reason.
     * @return true when it was handled here.
     */
    boolean onUpstreamWriteFailed(final CloseReason reason)
    {
        if (reason != CloseReason.PEER_TIMEOUT || upstreamNs == 0 || writeStall)
        {
            return false;
        }
        upstreamTimedOut();
        return true;
    }

    /**
     * The connection is closing: a kernel retransmission timeout on a side with a user-timeout is that timeout's
     * verdict; a side that timed out is reset rather than left retransmitting what it never took. After an
     * upstream verdict (504) the connection's end is recorded as that verdict.
     *
     * @param reason why it closes.
     * @param side   whose doing.
     * @return the reason to record.
     */
    CloseReason closing(final CloseReason reason, final Side side)
    {
        if (upstreamVerdict)
        {
            return CloseReason.USER_TIMEOUT; // the first cause is the one recorded
        }
        final long sideNs = side == Side.CLIENT ? clientNs : side == Side.UPSTREAM ? upstreamNs : 0;
        final CloseReason verdict = reason == CloseReason.PEER_TIMEOUT && sideNs > 0 && !writeStall ?
            CloseReason.USER_TIMEOUT : reason;
        if (verdict == CloseReason.USER_TIMEOUT)
        {
            abortOnClose(side == Side.CLIENT ? connection.clientChannel() : lease.channel);
        }
        return verdict;
    }

    /**
     * @param side the side the closing code names.
     * @return the side to record: the upstream once it timed out (the connection closes after the 504 for it).
     */
    Side closingSide(final Side side)
    {
        return upstreamVerdict ? Side.UPSTREAM : side;
    }

    private void upstreamTimedOut()
    {
        abortOnClose(lease.channel);
        if (lease.retriesOnFresh())
        {
            lease.failed(CloseReason.USER_TIMEOUT); // a stale pooled connection: sent again on a fresh one
            return;
        }
        lease.drop(true); // a dead server: counts against it, like a keepalive verdict
        // no keep-alive after it: the request was cut short, and the connection's close then records this cause
        upstreamVerdict = true;
        connection.respondError(HttpStatus.GATEWAY_TIMEOUT, false, CloseReason.USER_TIMEOUT, Side.UPSTREAM);
    }

    private static void abortOnClose(final SocketChannel channel)
    {
        if (channel == null)
        {
            return;
        }
        try
        {
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        }
        catch (final IOException | RuntimeException ex)
        {
            // already closed or failed: nothing left to reset
        }
    }
}
