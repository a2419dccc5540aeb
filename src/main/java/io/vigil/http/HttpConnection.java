package io.vigil.http;

import io.vigil.config.HttpListenerConfig;
import io.vigil.config.HttpUpstreamConfig;
import io.vigil.config.ListenerConfig;
import io.vigil.config.LogFormat;
import io.vigil.http.codec.HeadWriter;
import io.vigil.http.codec.HttpStatus;
import io.vigil.session.CloseReason;
import io.vigil.session.Downstream;
import io.vigil.session.ListenerShard;
import io.vigil.session.Relay;
import io.vigil.session.Session;
import io.vigil.session.SessionInfo;
import io.vigil.session.Side;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.UpstreamGroup;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client connection of an HTTP-mode listener, on one loop for its whole life. Its phases: wait for a request
 * head; run one exchange (the request forwarded on an upstream connection, the response relayed back); then wait
 * for the next request, switch to a tunnel (101, or a CONNECT's 2xx), or linger and close. Pipelined requests
 * wait in the client buffer and are answered in order, also those received before the client's FIN. The jobs are
 * split: {@link ClientInput} (bytes from the client), {@link Exchange} (per-request state),
 * {@link RequestForwarder}, {@link ResponseRelay}, {@link UpstreamLease} (pool or connect, replay, release),
 * {@link HttpTimeouts}, {@link HttpAccessLog}, {@link HttpTunnel} and {@link HttpLinger} (the tunnel and closing
 * phases), {@link HttpConnectionInfo} (the /connections row); this class drives them, owns the phases and the one
 * teardown.
 */
public final class HttpConnection extends Session implements Relay.Owner
{
    static final int WAIT_HEAD = 0;
    static final int EXCHANGE = 1;
    static final int TUNNEL = 2;
    static final int LINGER = 3;
    static final int CLOSED = 4;

    private final HttpListenerConfig config;
    private final UpstreamGroup group;
    private final ClientInput in;
    private final Exchange ex;
    private final UpstreamLease lease;
    private final RequestForwarder forwarder;
    private final ResponseRelay response;
    private final HttpTimeouts timeouts;
    private final HttpUserTimeouts userTimeouts;
    private final HttpAccessLog accessLog;
    private final RequestIntake intake;
    /** The closing phase. */
    final HttpLinger linger;
    private final HttpInterest interest;
    private final HttpConnectionInfo info;
    /** The exchange's run: the parts built before it reach it through here. */
    final ExchangeRun run;
    private HttpTunnel tunnel;
    int phase = WAIT_HEAD;
    boolean draining;
    long headStartNs;
    int requestsServed;
    long toClient;
    long idleSinceNs;

    private HttpConnection(final ListenerShard shard, final Downstream client)
    {
        this(shard, client, shard.loop().nowNs(), System.currentTimeMillis());
    }

    private HttpConnection(
        final ListenerShard shard, final Downstream client, final long startNs, final long startEpochMs)
    {
        super(shard, client, "HTTP connection", startNs, startEpochMs);
        this.config = listener.config().http();
        this.group = shard.picker().group();
        this.in = new ClientInput(shard.buffers(), client.channel(), counters, listener.stats());
        this.ex = new Exchange(config.maxRequestLine(), config.maxHeaderSize(), shard.buffers().bufferSize());
        this.lease = new UpstreamLease(this, ex, shard.pool(),
            PeerPicker.clientHash(client.address(), group.config().hashKey()));
        final HeadWriter headWriter = new HeadWriter();
        final GatherWrite gather = new GatherWrite();
        this.forwarder = new RequestForwarder(this, ex, in, lease, headWriter, gather);
        this.response = new ResponseRelay(this, ex, lease, headWriter, gather);
        this.userTimeouts = new HttpUserTimeouts(this, listener, ex, forwarder, response, lease);
        this.timeouts = new HttpTimeouts(this, in, ex, forwarder, response, lease, userTimeouts);
        this.accessLog = new HttpAccessLog(shard.logLine(), listener.name(), client.text(),
            listener.config().accessLog(), listener.config().accessLogFormat() == LogFormat.JSON);
        this.intake = new RequestIntake(this, in, ex, lease, response, forwarder);
        this.linger = new HttpLinger(this, in, intake);
        this.run = new ExchangeRun(this, in, ex, lease, forwarder, response, intake, accessLog);
        this.interest = new HttpInterest(this, in, ex, forwarder, response, lease, listener.downstreamTuning(),
            group.tuning());
        this.info = new HttpConnectionInfo(this, listener, client, group, in, ex, lease, response);
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
        if (phase == TUNNEL)
        {
            tunnel.onSelect(key);
            return;
        }
        final int ready = key.readyOps();
        if (key == clientKey)
        {
            in.readable |= (ready & SelectionKey.OP_READ) != 0;
            response.clientWritable |= (ready & SelectionKey.OP_WRITE) != 0;
        }
        else if (key == lease.key && lease.state == UpstreamLease.READY)
        {
            lease.onReady(ready);
        }
        else
        {
            return;
        }
        drive();
    }

    /**
     * Between requests, with nothing buffered: when a newer configuration generation replaced this listener with
     * another HTTP listener of the same name, a successor on the new generation's shard takes the client socket
     * over (its requests go to the new upstream groups, under the new settings), carrying the connection's history.
     *
     * @return true when it moved.
     */
    boolean moveToNewerGeneration()
    {
        final ListenerShard next = shard.latest();
        if (next == shard || in.end != 0 || next.listener().config().mode() != ListenerConfig.Mode.HTTP)
        {
            return false;
        }
        interest.stop();
        final long fromClient = in.bytes;
        in.release();
        handedOver();
        phase = CLOSED; // this object is done (before the successor runs: a failure there must not end it twice)
        final HttpConnection successor = new HttpConnection(next, client, startNs, startEpochMs);
        successor.requestsServed = requestsServed;
        successor.toClient = toClient;
        successor.idleSinceNs = idleSinceNs;
        successor.in.bytes = fromClient;
        successor.draining = draining;
        successor.takeOver(clientKey);
        try
        {
            successor.drive();
        }
        catch (final RuntimeException ex)
        {
            successor.onFailure(ex); // the loop would hand it to this object, the key's handler when it was called
        }
        return true;
    }

    /** Run the state machine until nothing moves, then say what to wait for. */
    void drive()
    {
        while (phase != CLOSED && phase != TUNNEL)
        {
            final boolean moved = switch (phase)
            {
                case WAIT_HEAD -> intake.stepWaitHead();
                case EXCHANGE -> run.step();
                case LINGER -> linger.step();
                default -> false;
            };
            if (!moved)
            {
                break;
            }
        }
        if (phase == WAIT_HEAD || phase == EXCHANGE || phase == LINGER)
        {
            interest.update(clientKey, phase == EXCHANGE);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The exchange (run by ExchangeRun)

    /**
     * The upstream connection of this exchange is ready (pooled or connected).
     */
    void onUpstreamReady()
    {
        listener.observer().onEstablished(listener.name(), client.channel(), lease.channel);
    }

    void respondError(final HttpStatus answer, final boolean keepPossible, final CloseReason reason, final Side side)
    {
        run.respondError(answer, keepPossible, reason, side);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tunnel after 101 Switching Protocols or a CONNECT

    void enterTunnel()
    {
        phase = TUNNEL;
        ex.tunnelPending = false;
        run.served();
        lease.handOverToTunnel(); // never pooled again; the socket is closed with the session
        interest.stop();
        tunnel = new HttpTunnel(this, group);
        userTimeouts.configure(tunnel.relay);
        tunnel.start(clientKey, in, response, forwarder, lease);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Sweep

    /**
     * Whether an ETIMEDOUT on that side is the keepalive verdict (see {@link HttpInterest#idleKeepAlive}).
     *
     * @param side the client or the upstream.
     * @return true for a keepalive verdict.
     */
    boolean idleKeepAlive(final Side side)
    {
        return phase == TUNNEL ? tunnel.relay.idleKeepAlive(side) : interest.idleKeepAlive(side);
    }

    @Override
    public void onSweep(final long nowNs)
    {
        switch (phase)
        {
            case WAIT_HEAD -> timeouts.waitingForHead(nowNs, headStartNs, idleSinceNs, requestsServed);
            case EXCHANGE -> timeouts.exchange(nowNs);
            case TUNNEL -> tunnel.sweep(nowNs);
            case LINGER -> linger.sweep(nowNs);
            default ->
            {
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Lifecycle

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
    public SocketChannel upstreamChannel()
    {
        return lease.state == UpstreamLease.READY ? lease.channel : null;
    }

    @Override
    public SocketChannel connectingUpstreamChannel()
    {
        return lease.connector.connectingChannel();
    }

    @Override
    public Peer upstreamPeer()
    {
        return lease.peer();
    }

    /**
     * The one teardown: log an unfinished request, close the upstream (never pooled), return buffers, close.
     *
     * @param closeReason why.
     * @param closeSide   whose doing.
     */
    @Override
    protected void close(final CloseReason closeReason, final Side closeSide)
    {
        if (phase == CLOSED)
        {
            return;
        }
        final CloseReason reason = userTimeouts.closing(closeReason, closeSide);
        final Side side = userTimeouts.closingSide(closeSide);
        final boolean midExchange = phase == EXCHANGE;
        final boolean tunnelled = phase == TUNNEL;
        phase = CLOSED;
        if (midExchange)
        {
            toClient += ex.responseBytes;
            accessLog.request(ex, lease, loop.nowNs());
        }
        interest.stop();
        final boolean peerDied = side == Side.UPSTREAM && reason.deadPeer();
        long fromClient = in.bytes;
        if (tunnelled)
        {
            fromClient += tunnel.relay.bytesFromClient();
            toClient += tunnel.relay.bytesToClient();
            tunnel.relay.release();
        }
        lease.drop(peerDied);
        response.release();
        forwarder.release();
        in.release();
        loop.closeSoon(client.channel()); // its descriptor is free (and acceptors told) after the next select
        accessLog.connection(startNs, startEpochMs, loop.nowNs(), requestsServed, fromClient, toClient, reason, side);
        ended(reason, side);
    }

    @Override
    public SessionInfo describe(final long nowNs)
    {
        return info.describe(nowNs, startNs);
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

    HttpUserTimeouts userTimeouts()
    {
        return userTimeouts;
    }

    long nowNs()
    {
        return loop.nowNs();
    }

    long selectPass()
    {
        return loop.selectPass();
    }

    HttpTunnel tunnel()
    {
        return tunnel;
    }

    SelectionKey clientKey()
    {
        return clientKey;
    }

    long startNs()
    {
        return startNs;
    }

    boolean open()
    {
        return phase != CLOSED && phase != TUNNEL;
    }

    /**
     * Refuse the request whose head is in the buffer (or timed out) with a status, then close.
     *
     * @param refusal the status.
     */
    void rejectHead(final HttpStatus refusal)
    {
        intake.rejectHead(refusal);
    }
}
