package io.vigil.session;

import io.vigil.loop.BufferPool;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LivenessCheck;
import io.vigil.net.SocketTuning;
import io.vigil.stats.LoopCounters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;

/**
 * The byte relay between a client and an upstream socket, both ways at once: a tcp session once connected, an
 * HTTP connection once it switched protocols. Two {@link Flow}s are pumped the same way with ends swapped;
 * interest ops follow from their state after each pump (a full buffer stops reading: backpressure; pending bytes
 * ask for OP_WRITE); a FIN is forwarded as a half-close. A socket left with no interest ops is invisible to epoll,
 * so while one exists the loop's liveness checks ask the kernel about it ({@link Liveness}). The relay ends when
 * both directions finished (one, with {@link #halfClose} off), or at the first socket failure, classified with
 * what the kernel could have meant ({@link #idleKeepAlive}), and tells its owner once. Owned by one loop.
 */
public final class Relay implements LivenessCheck
{
    /** Told once when the relay ends; the owner closes the sockets. */
    public interface Owner
    {
        /**
         * @param reason why.
         * @param side   whose doing: the side that failed, or whose FIN came first for {@link CloseReason#EOF}.
         */
        void onRelayEnded(CloseReason reason, Side side);
    }

    private final Owner owner;
    private final EventLoop loop;
    private final BufferPool buffers;
    private final RelayByteCounts byteCounts;
    private final Flow toUpstream = new Flow();
    private final Flow toClient = new Flow();
    private final RelayVerdicts verdicts;
    private SelectionKey clientKey;
    private SelectionKey upstreamKey;
    private Side firstFin;
    private long lastActivityNs;
    /** In the loop's liveness checks (at most once). */
    private boolean livenessWatched;
    private boolean ended;

    /**
     * @param owner          told when the relay ends.
     * @param loop           the owning loop.
     * @param buffers        the loop's buffers.
     * @param clientTuning   the client side's options (keepalive decides what an ETIMEDOUT means).
     * @param upstreamTuning the upstream side's.
     * @param counters       the loop's counters.
     * @param stats          the listener's counter block.
     */
    public Relay(
        final Owner owner,
        final EventLoop loop,
        final BufferPool buffers,
        final SocketTuning clientTuning,
        final SocketTuning upstreamTuning,
        final LoopCounters counters,
        final int stats)
    {
        this.owner = owner;
        this.loop = loop;
        this.buffers = buffers;
        this.verdicts = new RelayVerdicts(loop, toUpstream, toClient, clientTuning, upstreamTuning);
        this.byteCounts = new RelayByteCounts(counters, stats);
    }

    /**
     * The sides' user-timeouts, for classifying a kernel timeout and, when the kernel does not enforce them, for
     * the write-stall check ({@link #writeStalledSide}).
     *
     * @param clientNs       the client side's, 0 = off.
     * @param upstreamNs     the upstream side's, 0 = off.
     * @param writeStall     true when the loop enforces them (no kernel TCP_USER_TIMEOUT in this JVM).
     */
    public void userTimeouts(final long clientNs, final long upstreamNs, final boolean writeStall)
    {
        verdicts.userTimeouts(clientNs, upstreamNs, writeStall);
    }

    /**
     * The write-stall fallback for user-timeout: a side whose bytes waited with no write progress for its
     * user-timeout. Called by the owner's sweep.
     *
     * @param nowNs the loop's clock.
     * @return the stalled side, or null.
     */
    public Side writeStalledSide(final long nowNs)
    {
        return ended ? null : verdicts.writeStalledSide(nowNs);
    }

    /**
     * Whether a FIN is forwarded as a half-close (the default) or ends the relay once everything read before it
     * was delivered and the other side is quiet (nginx's proxy_half_close off; see {@link #closesAtFirstFin}).
     * Call before {@link #start}.
     *
     * @param on true to forward FINs and wait for both.
     */
    public void halfClose(final boolean on)
    {
        toUpstream.halfClose = on;
        toClient.halfClose = on;
    }

    /**
     * Start relaying between two registered sockets. Both may already have bytes (or a FIN) waiting.
     *
     * @param client   the client socket's key.
     * @param upstream the upstream socket's key.
     */
    public void start(final SelectionKey client, final SelectionKey upstream)
    {
        clientKey = client;
        upstreamKey = upstream;
        toUpstream.src = (java.nio.channels.SocketChannel)client.channel();
        toUpstream.dst = (java.nio.channels.SocketChannel)upstream.channel();
        toClient.src = toUpstream.dst;
        toClient.dst = toUpstream.src;
        toUpstream.readReady = true;
        toClient.readReady = true;
        lastActivityNs = loop.nowNs();
    }

    /**
     * The upstream socket was connected just now: read it when epoll reports it readable, not in the first pass,
     * where it has not even seen the request yet (that read would find nothing: one EAGAIN per connection).
     * Call after {@link #start}.
     */
    public void readUpstreamWhenReady()
    {
        toClient.readReady = false;
    }

    /**
     * Bytes already read from the client before the relay began (after an HTTP request head), and whether it
     * had ended its stream. The relay takes ownership of the buffer.
     */
    public void carryFromClient(final ByteBuffer buffer, final int head, final int tail, final boolean eof)
    {
        carry(toUpstream, buffer, head, tail, eof, Side.CLIENT);
    }

    /**
     * Bytes already read from the upstream (after a 101 response head), and whether it had ended its stream.
     * The relay takes ownership of the buffer.
     */
    public void carryFromUpstream(final ByteBuffer buffer, final int head, final int tail, final boolean eof)
    {
        carry(toClient, buffer, head, tail, eof, Side.UPSTREAM);
    }

    private void carry(
        final Flow flow, final ByteBuffer buffer, final int head, final int tail, final boolean eof, final Side src)
    {
        if (buffer != null && head < tail)
        {
            flow.buffer = buffer;
            flow.head = head;
            flow.tail = tail;
        }
        else if (buffer != null)
        {
            buffers.release(buffer);
        }
        flow.srcEof = eof;
        if (eof && firstFin == null)
        {
            firstFin = src;
        }
    }

    /**
     * Note what a selected key is ready for.
     *
     * @param key      the client's or the upstream's key.
     * @param readyOps its ready operations.
     */
    public void onReady(final SelectionKey key, final int readyOps)
    {
        final boolean fromClient = key == clientKey;
        final Flow reading = fromClient ? toUpstream : toClient;
        final Flow writing = fromClient ? toClient : toUpstream;
        reading.readReady |= (readyOps & SelectionKey.OP_READ) != 0;
        writing.writeReady |= (readyOps & SelectionKey.OP_WRITE) != 0;
    }

    /**
     * Move bytes both ways until nothing moves, then set interest ops, or end.
     */
    public void run()
    {
        if (ended)
        {
            return;
        }
        if (pump(toUpstream, Side.CLIENT, Side.UPSTREAM) && pump(toClient, Side.UPSTREAM, Side.CLIENT))
        {
            count();
            if (toUpstream.finished() && toClient.finished() || !toUpstream.halfClose && closesAtFirstFin())
            {
                end(CloseReason.EOF, firstFin);
            }
            else if (!ended)
            {
                updateInterest();
            }
        }
    }

    /**
     * Half-close off: one direction delivered everything before its FIN. Closing now is safe only while the other
     * side is quiet (its bytes drained, none waiting): closing a socket with unread bytes makes the kernel reset it
     * and drop what Vigil's send queue still holds for that peer, the tail just delivered. Otherwise the FIN is
     * forwarded after all and the relay goes on as with half-close on, until that side finishes too.
     *
     * @return true to end the relay now.
     */
    private boolean closesAtFirstFin()
    {
        final Flow done = toUpstream.finished() ? toUpstream : toClient.finished() ? toClient : null;
        if (done == null)
        {
            return false;
        }
        final Flow other = done == toUpstream ? toClient : toUpstream;
        if (other.neverRead())
        {
            // a just-connected upstream is read only once epoll says so (readUpstreamWhenReady): it may already
            // have sent something (a banner), so look once before calling it quiet
            other.readReady = true;
            if (!pump(other, other == toUpstream ? Side.CLIENT : Side.UPSTREAM,
                other == toUpstream ? Side.UPSTREAM : Side.CLIENT))
            {
                return false;
            }
        }
        if (other.quiet())
        {
            return true;
        }
        try
        {
            toUpstream.forwardFin();
            toClient.forwardFin();
        }
        catch (final IOException ex)
        {
            final Side side = done == toUpstream ? Side.UPSTREAM : Side.CLIENT;
            end(verdicts.classify(CloseReason.of(ex, idleKeepAlive(side)), side), side);
        }
        return false;
    }

    private boolean pump(final Flow flow, final Side srcSide, final Side dstSide)
    {
        flow.closeFollows = (flow == toUpstream ? toClient : toUpstream).finished();
        final int result = flow.pump(buffers, loop.nowNs());
        if (result < Flow.IDLE)
        {
            // one test for both failures (not one per side) and the side chosen out of line: the first reset of
            // either kind is the only one that finds a branch here compiled as a trap
            failed(flow, result, srcSide, dstSide);
            return false;
        }
        if (result == Flow.MOVED)
        {
            lastActivityNs = loop.nowNs();
            if (firstFin == null && flow.srcEof)
            {
                firstFin = srcSide;
            }
        }
        return true;
    }

    /** Rare (a reset or a refused write) and large enough that C2 calls it instead of inlining it. */
    private void failed(final Flow flow, final int result, final Side srcSide, final Side dstSide)
    {
        final Side side = result == Flow.SRC_FAILED ? srcSide : dstSide;
        count();
        end(verdicts.classify(CloseReason.of(flow.failure, idleKeepAlive(side)), side), side);
    }

    private void count()
    {
        byteCounts.report(toUpstream, toClient);
    }

    private void updateInterest()
    {
        final int capacity = buffers.bufferSize();
        final int clientOps = readOps(toUpstream, clientKey, capacity) |
            (toClient.pending() ? SelectionKey.OP_WRITE : 0);
        final int upstreamOps = readOps(toClient, upstreamKey, capacity) |
            (toUpstream.pending() ? SelectionKey.OP_WRITE : 0);
        if (clientKey.interestOps() != clientOps)
        {
            clientKey.interestOps(clientOps);
        }
        if (upstreamKey.interestOps() != upstreamOps)
        {
            upstreamKey.interestOps(upstreamOps);
        }
        // "a side without interest" is one test (min, a conditional move), not one per side: an upload's and a
        // download's backpressure each trapped once at its own branch
        if (!livenessWatched && !ended && Math.min(clientOps, upstreamOps) == 0 && Liveness.available())
        {
            livenessWatched = true;
            loop.watchLiveness(this);
        }
    }

    /**
     * OP_READ while src can be read. After its EOF the interest goes lazily: it stays until the key fires again
     * (level-triggered, it will, with nothing to read; {@link Flow#read} never clears readReady after EOF, so it goes
     * then, once), as the other side's FIN usually comes first and the close drops the key without an epoll_ctl.
     */
    private static int readOps(final Flow flow, final SelectionKey key, final int capacity)
    {
        // the key's read interest is carried over as a value, not tested in a branch: the branch "EOF read, interest
        // already gone" was taken only as connections ended, never in the steady state C2 compiled from, and each
        // copy of this method (standalone, inlined in updateInterest and run) trapped once at the next burst's end
        final int keptAfterEof = flow.srcEof && !flow.readReady ? key.interestOps() & SelectionKey.OP_READ : 0;
        return flow.wantsRead(capacity) ? SelectionKey.OP_READ : keptAfterEof;
    }

    @Override
    public boolean checkLiveness(final long nowNs)
    {
        livenessWatched = stillBlind();
        return livenessWatched;
    }

    private boolean stillBlind()
    {
        if (ended)
        {
            return false;
        }
        final int clientErrno = Liveness.failedErrno(clientKey);
        if (clientErrno != Liveness.ALIVE)
        {
            end(verdicts.classify(CloseReason.ofErrno(clientErrno, idleKeepAlive(Side.CLIENT)), Side.CLIENT),
                Side.CLIENT);
            return false;
        }
        final int upstreamErrno = Liveness.failedErrno(upstreamKey);
        if (upstreamErrno != Liveness.ALIVE)
        {
            end(verdicts.classify(CloseReason.ofErrno(upstreamErrno, idleKeepAlive(Side.UPSTREAM)), Side.UPSTREAM),
                Side.UPSTREAM);
            return false;
        }
        return Liveness.blind(clientKey) || Liveness.blind(upstreamKey);
    }

    /**
     * Whether an ETIMEDOUT on that side is the keepalive verdict: keepalive is on there and nothing was in flight
     * to it (else the kernel was retransmitting, and keepalive never probed).
     *
     * @param side the client or the upstream.
     * @return true for a keepalive verdict.
     */
    public boolean idleKeepAlive(final Side side)
    {
        return verdicts.idleKeepAlive(side);
    }

    private void end(final CloseReason reason, final Side side)
    {
        ended = true;
        owner.onRelayEnded(reason, side);
    }

    /**
     * @return when bytes last moved either way, on the loop's clock.
     */
    public long lastActivityNs()
    {
        return lastActivityNs;
    }

    /**
     * @return bytes read from the client (carried bytes excluded).
     */
    public long bytesFromClient()
    {
        return toUpstream.bytes;
    }

    /**
     * @return bytes written to the client.
     */
    public long bytesToClient()
    {
        return toClient.sent;
    }

    /**
     * @return bytes read from the upstream (carried bytes excluded).
     */
    public long bytesFromUpstream()
    {
        return toClient.bytes;
    }

    /**
     * Stop (the loop drops the liveness check at its next round) and give the buffers back (the sockets are the
     * owner's to close).
     */
    public void release()
    {
        ended = true;
        count();
        toUpstream.release(buffers);
        toClient.release(buffers);
    }
}
