package io.vigil.http;

import io.vigil.config.HttpListenerConfig;
import io.vigil.config.HttpUpstreamConfig;
import io.vigil.config.ListenerConfig;
import io.vigil.http.codec.HeadWriter;
import io.vigil.http.codec.HttpHead;
import io.vigil.http.codec.HttpMethod;
import io.vigil.http.codec.HttpStatus;
import io.vigil.log.Log;
import io.vigil.net.SocketTuning;
import io.vigil.net.Sockets;
import io.vigil.session.CloseReason;
import io.vigil.session.Downstream;
import io.vigil.session.ListenerShard;
import io.vigil.session.Liveness;
import io.vigil.session.Relay;
import io.vigil.session.Session;
import io.vigil.session.SessionInfo;
import io.vigil.session.Side;
import io.vigil.stats.Histogram;
import io.vigil.stats.ListenerCounters;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.UpstreamGroup;
import org.agrona.CloseHelper;
import org.agrona.DeadlineTimerWheel;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of an HTTP-mode listener, on one loop for its whole life. Its phases: wait for a request
 * head; run one exchange (the request forwarded on an upstream connection, the response relayed back); then wait
 * for the next request, switch to a tunnel (101, or a CONNECT's 2xx), or linger and close. Pipelined requests
 * wait in the client buffer and are answered in order. The jobs are split: {@link ClientInput} (bytes from the
 * client), {@link Exchange} (per-request state), {@link RequestForwarder}, {@link ResponseRelay},
 * {@link UpstreamLease} (pool or connect, replay, release), {@link HttpTimeouts}, {@link HttpAccessLog}; this
 * class drives them, owns the phases and the one teardown.
 */
public final class HttpConnection extends Session implements Relay.Owner
{
    /** How long a closing connection keeps reading (and dropping) what the client still sends (nginx lingering). */
    static final long LINGER_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long NO_TIMER = DeadlineTimerWheel.NULL_DEADLINE;

    private static final int WAIT_HEAD = 0;
    private static final int EXCHANGE = 1;
    private static final int TUNNEL = 2;
    private static final int LINGER = 3;
    private static final int CLOSED = 4;
    private static final String[] PHASES = {"idle", "exchange", "tunnel", "closing", "closed"};

    private final HttpListenerConfig config;
    private final UpstreamGroup group;
    private final byte[] xForwardedFor;
    private final byte[] forwardedFor;
    private final ClientInput in;
    private final Exchange ex;
    private final UpstreamLease lease;
    private final RequestForwarder forwarder;
    private final ResponseRelay response;
    private final HttpTimeouts timeouts;
    private final HttpAccessLog accessLog;
    private Relay tunnel;
    private int phase = WAIT_HEAD;
    private boolean draining;
    private int requestsServed;
    private long toClient;
    private long idleSinceNs;
    private long headStartNs;
    private long lingerStartNs;
    private long livenessTimerId = NO_TIMER;

    private HttpConnection(final ListenerShard shard, final Downstream client)
    {
        super(shard, client);
        this.config = listener.config().http();
        this.group = shard.picker().group();
        final InetSocketAddress address = client.address();
        final String ip = address == null ? "unknown" : address.getAddress().getHostAddress();
        this.xForwardedFor = config.addXForwarded() ? ip.getBytes(StandardCharsets.US_ASCII) : null;
        final boolean v6 = address != null && address.getAddress() instanceof Inet6Address;
        this.forwardedFor = config.addForwarded() ?
            (v6 ? "\"[" + ip + "]\"" : ip).getBytes(StandardCharsets.US_ASCII) : null;
        this.in = new ClientInput(shard.buffers(), client.channel(), counters, listener.stats());
        this.ex = new Exchange(config.maxRequestLine(), config.maxHeaderSize(), shard.buffers().bufferSize());
        this.lease = new UpstreamLease(this, ex, shard.pool(),
            PeerPicker.clientHash(address, group.config().hashKey()));
        final HeadWriter headWriter = new HeadWriter();
        final GatherWrite gather = new GatherWrite();
        this.forwarder = new RequestForwarder(this, ex, in, lease, headWriter, gather);
        this.response = new ResponseRelay(this, ex, lease, headWriter, gather);
        this.timeouts = new HttpTimeouts(this, in, ex, forwarder, response, lease);
        this.accessLog = new HttpAccessLog(shard.logLine(), listener.name(), client.text(),
            listener.config().accessLog());
        this.idleSinceNs = startNs;
    }

    /**
     * The http-mode session starter: begin reading requests on an accepted socket.
     *
     * @param shard  the listener on the accepting loop.
     * @param client the accepted socket.
     */
    public static void startOn(final ListenerShard shard, final Downstream client)
    {
        final HttpConnection connection = new HttpConnection(shard, client);
        try
        {
            connection.begin(SelectionKey.OP_READ);
            connection.drive(); // bytes may already be waiting
        }
        catch (final IOException | RuntimeException ex)
        {
            connection.onFailure(ex);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Events

    @Override
    public void onSelect(final SelectionKey key)
    {
        final int ready = key.readyOps();
        if (phase == TUNNEL)
        {
            tunnel.onReady(key, ready);
            tunnel.run();
            return;
        }
        if (key == clientKey)
        {
            in.readable |= (ready & SelectionKey.OP_READ) != 0;
            response.clientWritable |= (ready & SelectionKey.OP_WRITE) != 0;
        }
        else if (key == lease.key && lease.state == UpstreamLease.READY)
        {
            lease.readable |= (ready & SelectionKey.OP_READ) != 0;
            lease.writable |= (ready & SelectionKey.OP_WRITE) != 0;
        }
        else
        {
            return;
        }
        drive();
    }

    /** Run the state machine until nothing moves, then say what to wait for. */
    void drive()
    {
        while (phase != CLOSED && phase != TUNNEL)
        {
            final boolean moved = switch (phase)
            {
                case WAIT_HEAD -> stepWaitHead();
                case EXCHANGE -> stepExchange();
                case LINGER -> stepLinger();
                default -> false;
            };
            if (!moved)
            {
                break;
            }
        }
        if (phase == WAIT_HEAD || phase == EXCHANGE || phase == LINGER)
        {
            updateInterest();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Waiting for a request head

    private boolean stepWaitHead()
    {
        if (in.end == 0 && draining)
        {
            close(CloseReason.SHUTDOWN, Side.PROXY);
            return false;
        }
        final int n = readClient();
        if (n == ClientInput.FAILED)
        {
            return false;
        }
        if (in.end == 0)
        {
            if (in.eof)
            {
                close(CloseReason.EOF, Side.CLIENT); // closed between requests: the normal end of keep-alive
            }
            else
            {
                in.release();
            }
            return false;
        }
        if (headStartNs == 0)
        {
            headStartNs = loop.nowNs();
        }
        final int result = ex.requestHead.scan(in.buf, in.end);
        if (result == HttpHead.NEED_MORE)
        {
            if (in.eof)
            {
                close(CloseReason.EOF, Side.CLIENT); // a partial head and no more coming
                return false;
            }
            return n > 0;
        }
        if (result == HttpHead.ERROR)
        {
            rejectHead(ex.requestHead.error());
            return true;
        }
        startExchange();
        return true;
    }

    /** Read from the client, closing on a failed read. */
    private int readClient()
    {
        final int n = in.read(loop.nowNs());
        if (n == ClientInput.FAILED)
        {
            close(CloseReason.of(in.failure, idleKeepAlive(Side.CLIENT)), Side.CLIENT);
        }
        return n;
    }

    /**
     * Refuse the request whose head is in the buffer (or timed out) with a status, then close.
     *
     * @param refusal the status.
     */
    void rejectHead(final HttpStatus refusal)
    {
        beginExchange();
        ex.requestBody.none();
        in.scanned = in.end;
        respondError(refusal, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
    }

    private void beginExchange()
    {
        phase = EXCHANGE;
        ex.begin(loop.nowNs(), in.buf);
        lease.reset();
        response.reset();
        in.pos = 0;
        in.scanned = 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // One request/response exchange

    private void startExchange()
    {
        beginExchange();
        final HttpHead head = ex.requestHead;
        final long contentLength = head.contentLength();
        if (head.chunked())
        {
            ex.requestBody.chunked();
        }
        else if (contentLength > 0)
        {
            ex.requestBody.length(contentLength);
        }
        else
        {
            ex.requestBody.none();
        }
        ex.upgrade = head.upgradeRequested();
        ex.connectMethod = ex.method == HttpMethod.CONNECT;
        ex.bodyStart = head.headEnd();
        in.pos = ex.bodyStart;
        in.scanned = ex.bodyStart;
        if (ex.connectMethod && !config.allowConnect())
        {
            // a CONNECT answered 2xx is a raw tunnel wherever the origin connects it: only when asked for
            in.scanned = in.end;
            respondError(HttpStatus.METHOD_NOT_ALLOWED, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return;
        }
        if (config.clientMaxBodySize() > 0 && contentLength > config.clientMaxBodySize())
        {
            in.scanned = in.end;
            respondError(HttpStatus.CONTENT_TOO_LARGE, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return;
        }
        if (!forwarder.advanceBody())
        {
            return;
        }
        if (!forwarder.writeHead(upstreamConfig().keepaliveIdle() > 0, xForwardedFor, forwardedFor))
        {
            in.scanned = in.end;
            respondError(HttpStatus.HEADERS_TOO_LARGE, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return;
        }
        ex.replayable = true;
        lease.acquire();
    }

    private boolean stepExchange()
    {
        boolean moved = false;
        if (lease.state == UpstreamLease.READY)
        {
            moved = forwarder.send();
            if (phase != EXCHANGE)
            {
                return true;
            }
        }
        moved |= readClientDuringExchange();
        if (phase != EXCHANGE)
        {
            return true;
        }
        if (lease.state == UpstreamLease.READY)
        {
            moved |= response.read();
            if (phase != EXCHANGE)
            {
                return true;
            }
        }
        moved |= response.send();
        if (phase != EXCHANGE)
        {
            return true;
        }
        if (ex.tunnelPending && !response.pending())
        {
            enterTunnel();
            return true;
        }
        if (ex.responseComplete() && !ex.tunnelPending && response.pos == response.scanned &&
            response.outLen == 0)
        {
            finishExchange();
            return true;
        }
        return moved;
    }

    private boolean readClientDuringExchange()
    {
        if (in.eof || !in.readable)
        {
            return false;
        }
        if (in.full())
        {
            if (ex.requestBody.complete() || in.pos == 0 || ex.generated)
            {
                return false; // full: wait for the upstream to take the body, or for the next request's turn
            }
            in.compact();
            ex.replayable = false;
        }
        final int n = readClient();
        if (n == ClientInput.FAILED)
        {
            return true;
        }
        if (n == -1)
        {
            if (!ex.requestBody.complete() && !ex.generated)
            {
                close(CloseReason.EOF, Side.CLIENT); // the client gave up in the middle of its request body
            }
            return true;
        }
        if (n == 0)
        {
            return false;
        }
        if (!ex.generated)
        {
            forwarder.advanceBody();
        }
        return true;
    }

    private void finishExchange()
    {
        requestsServed++;
        toClient += ex.responseBytes;
        countRequest();
        accessLog.request(ex, lease, loop.nowNs());
        if (lease.state != UpstreamLease.NONE)
        {
            final boolean reuse = !ex.generated && lease.state == UpstreamLease.READY && ex.upstreamReusable &&
                ex.upstreamPersist && ex.requestSent && response.end == response.scanned && !lease.eof;
            lease.release(reuse);
        }
        response.release();
        forwarder.release();
        final boolean keep = ex.clientKeepAlive && ex.requestBody.complete() && (in.pos == in.scanned || ex.generated);
        if (!keep)
        {
            startLinger();
            return;
        }
        in.dropBefore(in.scanned); // pipelined bytes move to the front and are parsed next
        ex.requestHead.reset();
        phase = WAIT_HEAD;
        idleSinceNs = loop.nowNs();
        headStartNs = 0;
    }

    private void countRequest()
    {
        if (ex.status >= 100 && ex.status < 600)
        {
            counters.increment(listener.stats() + ListenerCounters.HTTP_REQUESTS + ex.status / 100 - 1);
        }
    }

    /**
     * A response head went out for the client: how long the upstream took, from the request sent.
     */
    void onResponseHead()
    {
        if (ex.requestSentNs != 0)
        {
            Histogram.RESPONSE_SECONDS.record(counters, listener.stats() + ListenerCounters.HTTP_RESPONSE_DURATION,
                loop.nowNs() - ex.requestSentNs);
        }
    }

    /**
     * The upstream connection of this exchange is ready (pooled or connected).
     */
    void onUpstreamReady()
    {
        listener.observer().onEstablished(listener.name(), client.channel(), lease.channel);
    }

    /**
     * Send the request again from the start on a fresh connection (a reused one failed before answering).
     */
    void replay()
    {
        forwarder.rewind();
        ex.responseHead.reset();
        ex.responseAnyByte = false;
        response.reset();
        lease.acquire();
    }

    /**
     * @return whether the client connection may stay open after this response (nginx's keep-alive rules).
     */
    boolean keepClientAlive()
    {
        return ex.requestHead.persistent() && !in.eof && !draining && ex.requestBody.complete() &&
            !ex.responseBody.endsAtClose() && config.keepaliveTimeoutNs() > 0 &&
            requestsServed + 1 < config.keepaliveRequests() &&
            loop.nowNs() - startNs < config.keepaliveTimeNs();
    }

    /**
     * Answer the current request with a generated status, unless a final response is already under way (then
     * only closing is left). A final response may always follow an interim one.
     *
     * @param answer       the status.
     * @param keepPossible whether the client connection may continue afterwards (still subject to keep-alive).
     * @param reason       the close reason when no answer is possible.
     * @param side         whose fault.
     */
    void respondError(final HttpStatus answer, final boolean keepPossible, final CloseReason reason, final Side side)
    {
        if (ex.responseHeadDone)
        {
            close(reason, side);
            return;
        }
        final boolean keepAlive = keepPossible && ex.method != null && keepClientAlive();
        if (!response.generate(answer, keepAlive))
        {
            close(reason, side); // interim responses fill the buffer: no room to answer after them
            return;
        }
        lease.drop(false);
        phase = EXCHANGE;
        ex.generated = true;
        ex.status = answer.code();
        ex.responseBody.none();
        ex.tunnelPending = false;
        ex.clientKeepAlive = keepAlive;
        ex.responseHeadDone = true;
        ex.responseStarted = true;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Closing: linger, then close

    private void startLinger()
    {
        try
        {
            client.channel().shutdownOutput();
        }
        catch (final IOException failure)
        {
            close(CloseReason.of(failure, false), Side.CLIENT);
            return;
        }
        if (in.eof)
        {
            close(CloseReason.EOF, Side.CLIENT); // its FIN came before ours
            return;
        }
        phase = LINGER;
        lingerStartNs = loop.nowNs();
        in.discard();
    }

    private boolean stepLinger()
    {
        final int n = readClient();
        if (n == ClientInput.FAILED)
        {
            return false;
        }
        in.discard(); // dropped: the client learns from our FIN that nothing more is answered
        if (n == -1)
        {
            close(CloseReason.EOF, Side.PROXY);
            return false;
        }
        return n > 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tunnel after 101 Switching Protocols or a CONNECT

    private void enterTunnel()
    {
        phase = TUNNEL;
        ex.tunnelPending = false;
        requestsServed++;
        toClient += ex.responseBytes;
        countRequest();
        accessLog.request(ex, lease, loop.nowNs());
        lease.handOverToTunnel(); // never pooled again; the socket is closed with the session
        loop.cancel(livenessTimerId);
        livenessTimerId = NO_TIMER;
        tunnel = new Relay(this, loop, shard.buffers(), listener.downstreamTuning(), group.tuning(), counters,
            listener.stats());
        lease.key.attach(this);
        tunnel.start(clientKey, lease.key);
        tunnel.carryFromClient(in.buf, in.pos, in.end, in.eof);
        in.take();
        tunnel.carryFromUpstream(response.takeIn(), response.pos, response.end, lease.eof);
        response.release();
        forwarder.release();
        tunnel.run();
    }

    @Override
    public void onRelayEnded(final CloseReason reason, final Side side)
    {
        close(reason, side);
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
        if (phase == TUNNEL)
        {
            return tunnel.idleKeepAlive(side);
        }
        final long nowNs = loop.nowNs();
        if (side == Side.CLIENT)
        {
            final SocketTuning tuning = listener.downstreamTuning();
            return tuning.keepAliveEnabled() && !response.pending() &&
                !(response.wrote && nowNs - response.wroteNs < tuning.keepAliveBudgetNs());
        }
        final SocketTuning tuning = group.tuning();
        return tuning.keepAliveEnabled() && !forwarder.pending() &&
            !(lease.wrote && nowNs - lease.wroteNs < tuning.keepAliveBudgetNs());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Interest, liveness, sweep

    private void updateInterest()
    {
        final boolean clientRoom = in.buf == null || !in.full() ||
            phase == EXCHANGE && !ex.requestBody.complete() && !ex.generated && in.pos > 0;
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
        if ((clientOps == 0 || upstreamOps == 0) && livenessTimerId == NO_TIMER && Liveness.available())
        {
            livenessTimerId = loop.schedule(loop.nowNs() + Liveness.CHECK_NS, this);
        }
    }

    @Override
    public void onTimer(final long firedTimerId, final long nowNs)
    {
        if (firedTimerId != livenessTimerId)
        {
            return;
        }
        livenessTimerId = NO_TIMER;
        if (phase == CLOSED || phase == TUNNEL)
        {
            return;
        }
        // a socket with no interest ops is invisible to epoll: ask the kernel whether it failed
        final int clientErrno = in.eof ? Liveness.ALIVE : Liveness.failedErrno(clientKey);
        if (clientErrno != Liveness.ALIVE)
        {
            close(CloseReason.ofErrno(clientErrno, idleKeepAlive(Side.CLIENT)), Side.CLIENT);
            return;
        }
        final boolean upstreamReady = lease.state == UpstreamLease.READY;
        final int upstreamErrno = upstreamReady && !lease.eof ? Liveness.failedErrno(lease.key) : Liveness.ALIVE;
        if (upstreamErrno != Liveness.ALIVE)
        {
            close(CloseReason.ofErrno(upstreamErrno, idleKeepAlive(Side.UPSTREAM)), Side.UPSTREAM);
            return;
        }
        if (Liveness.blind(clientKey) || upstreamReady && Liveness.blind(lease.key))
        {
            livenessTimerId = loop.schedule(loop.nowNs() + Liveness.CHECK_NS, this);
        }
    }

    @Override
    public void onSweep(final long nowNs)
    {
        switch (phase)
        {
            case WAIT_HEAD -> timeouts.waitingForHead(nowNs, headStartNs, idleSinceNs, requestsServed);
            case EXCHANGE -> timeouts.exchange(nowNs);
            case TUNNEL ->
            {
                if (nowNs - tunnel.lastActivityNs() >= listener.config().proxyTimeoutNs())
                {
                    close(CloseReason.IDLE_TIMEOUT, Side.PROXY);
                }
            }
            case LINGER ->
            {
                if (nowNs - lingerStartNs >= LINGER_NS)
                {
                    close(CloseReason.EOF, Side.PROXY);
                }
            }
            default ->
            {
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Lifecycle

    @Override
    public void onPeerDown(final Peer down)
    {
        if (lease.peer() == down && phase != CLOSED)
        {
            close(CloseReason.SERVER_DOWN, Side.UPSTREAM);
        }
    }

    @Override
    public void onDrain()
    {
        draining = true;
        if (phase == WAIT_HEAD && in.end == 0)
        {
            close(CloseReason.SHUTDOWN, Side.PROXY);
        }
    }

    @Override
    public void shutdown()
    {
        close(CloseReason.SHUTDOWN, Side.PROXY);
    }

    @Override
    public void onFailure(final Exception failure)
    {
        if (!(failure instanceof IOException))
        {
            // a bug: say where, once per occurrence, and end only this connection
            Log.error("listener " + listener.name() + ": HTTP connection failed", failure);
        }
        close(failure instanceof IOException ? CloseReason.of((IOException)failure, false) : CloseReason.ERROR,
            Side.PROXY);
    }

    /**
     * The one teardown: log an unfinished request, close the upstream (never pooled), return buffers, close.
     *
     * @param reason why.
     * @param side   whose doing.
     */
    void close(final CloseReason reason, final Side side)
    {
        if (phase == CLOSED)
        {
            return;
        }
        final boolean midExchange = phase == EXCHANGE;
        final boolean tunnelled = phase == TUNNEL;
        phase = CLOSED;
        if (midExchange)
        {
            toClient += ex.responseBytes;
            accessLog.request(ex, lease, loop.nowNs());
        }
        loop.cancel(livenessTimerId);
        livenessTimerId = NO_TIMER;
        final boolean peerDied = side == Side.UPSTREAM &&
            (reason == CloseReason.KEEPALIVE_TIMEOUT || reason == CloseReason.PEER_TIMEOUT);
        long fromClient = in.bytes;
        if (tunnelled)
        {
            fromClient += tunnel.bytesFromClient();
            toClient += tunnel.bytesToClient();
            tunnel.release();
        }
        lease.drop(peerDied);
        response.release();
        forwarder.release();
        in.release();
        CloseHelper.quietClose(client.channel());
        accessLog.connection(startNs, startEpochMs, loop.nowNs(), requestsServed, fromClient, toClient, reason, side);
        ended(reason, side);
    }

    @Override
    public SessionInfo describe(final long nowNs)
    {
        final boolean up = lease.state == UpstreamLease.READY;
        final long lastNs = phase == TUNNEL ? tunnel.lastActivityNs() :
            Math.max(Math.max(in.lastReadNs, response.wroteNs), Math.max(idleSinceNs, ex.startNs));
        return new SessionInfo(listener.name(), ListenerConfig.Mode.HTTP.name().toLowerCase(),
            listener.generation(), PHASES[phase], client.address(), Sockets.localAddress(client.channel()),
            up ? lease.connector.lastPeerName() : "-", up ? Sockets.localAddress(lease.channel) : null,
            up ? Sockets.remoteAddress(lease.channel) : null,
            TimeUnit.NANOSECONDS.toMillis(nowNs - startNs), TimeUnit.NANOSECONDS.toMillis(nowNs - lastNs),
            in.bytes + (phase == TUNNEL ? tunnel.bytesFromClient() : 0),
            toClient + ex.responseBytes + (phase == TUNNEL ? tunnel.bytesToClient() : 0), requestsServed,
            listener.config().soKeepalive().toString(), group.config().soKeepalive().toString());
    }

    // ---------------------------------------------------------------------------------------------------------
    // For the parts

    HttpListenerConfig config()
    {
        return config;
    }

    HttpUpstreamConfig upstreamConfig()
    {
        return group.config().http();
    }

    SocketChannel clientChannel()
    {
        return client.channel();
    }

    long nowNs()
    {
        return loop.nowNs();
    }

    boolean clientEof()
    {
        return in.eof;
    }
}
