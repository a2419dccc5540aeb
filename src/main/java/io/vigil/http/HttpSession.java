package io.vigil.http;

import io.vigil.http.codec.BodyFramer;
import io.vigil.http.codec.HeadWriter;
import io.vigil.http.codec.HttpHead;
import io.vigil.http.codec.HttpMethod;
import io.vigil.http.codec.HttpStatus;
import io.vigil.config.HttpListenerConfig;
import io.vigil.config.HttpUpstreamConfig;
import io.vigil.loop.BufferPool;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopSession;
import io.vigil.loop.SelectHandler;
import io.vigil.loop.TimerTarget;
import io.vigil.session.CloseReason;
import io.vigil.net.HostPort;
import io.vigil.net.SocketProbe;
import io.vigil.net.SocketTuning;
import io.vigil.net.Sockets;
import io.vigil.session.ListenerShard;
import io.vigil.session.Side;
import io.vigil.session.Listener;
import io.vigil.upstream.ConnectionPool;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.PeerUser;
import io.vigil.upstream.UpstreamGroup;
import org.agrona.CloseHelper;
import org.agrona.DeadlineTimerWheel;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of an HTTP-mode listener, on one loop for its whole life: requests are read one at a
 * time (pipelined ones wait in the buffer and are answered in order), each is forwarded on an upstream connection
 * taken from the loop's {@link ConnectionPool} or freshly connected, and its response relayed back; then the
 * client connection waits for the next request or closes.
 *
 * <p>Framing only, never content: heads are parsed in place ({@link HttpHead}) and rewritten once into a send
 * buffer ({@link HeadWriter}); bodies pass straight from the receive buffer to the other socket, delimited by
 * {@link BodyFramer}. Four buffers at most, borrowed from the loop's pool: client in ({@code cin}), upstream
 * head out ({@code uout}), upstream in ({@code uin}), client head out ({@code cout}).
 *
 * <p>An upstream connection goes back to the pool only after a complete exchange that both the request and the
 * response allow (persistent, fully sent, fully read, nothing extra). When a connection fails before any
 * response byte, an idempotent request still held whole is sent again on a fresh connection (nginx's
 * behaviour); anything else gets a generated 502/503/504. {@code Upgrade} with a 101, or a 2xx to CONNECT, turns
 * the connection into a byte relay with proxy-timeout. Timeouts are checked by the loop's sweep.
 */
public final class HttpSession extends LoopSession implements SelectHandler, TimerTarget, PeerUser
{
    /** How long a closing connection keeps reading (and dropping) what the client still sends (nginx lingering). */
    static final long LINGER_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long LIVENESS_CHECK_NS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long NO_TIMER = DeadlineTimerWheel.NULL_DEADLINE;
    private static final int LOGGED_TARGET_BYTES = 256;

    private static final int WAIT_HEAD = 0;
    private static final int EXCHANGE = 1;
    private static final int TUNNEL = 2;
    private static final int LINGER = 3;
    private static final int CLOSED = 4;

    private static final int UP_NONE = 0;
    private static final int UP_CONNECTING = 1;
    private static final int UP_READY = 2;

    private final ListenerShard shard;
    private final EventLoop loop;
    private final Listener listener;
    private final HttpListenerConfig config;
    private final UpstreamGroup group;
    private final HttpUpstreamConfig upstreamConfig;
    private final PeerPicker picker;
    private final BufferPool buffers;
    private final ConnectionPool pool;
    private final SocketChannel client;
    private final InetSocketAddress clientAddress;
    /** The client as the access log writes it, formatted once rather than per request. */
    private final String clientText;
    /** The balancer's hash of this client (balance = hash), fixed for the connection. */
    private final int clientHash;
    private final byte[] xForwardedFor;
    private final byte[] forwardedFor;
    private final HttpHead reqHead;
    private final HttpHead respHead;
    private final BodyFramer reqFramer = new BodyFramer();
    private final BodyFramer respFramer = new BodyFramer();
    private final HeadWriter headWriter = new HeadWriter();
    private final ByteBuffer[] gather = new ByteBuffer[2];
    private final long startNs;
    private final long startEpochMs;

    private SelectionKey clientKey;
    private int phase = WAIT_HEAD;
    private boolean clientReadable = true;
    private boolean clientWritable = true;
    private boolean clientEof;
    private boolean draining;

    // client in: [0, cinPos) handled, [cinPos, reqScanned) body approved for the upstream, then unread-by-framer
    private ByteBuffer cin;
    private int cinPos;
    private int cinEnd;
    private int reqScanned;
    private int reqBodyStart;
    private boolean replayable;
    private boolean requestSent;
    /** The upstream stopped taking the request after it began answering (e.g. an early 413): send no more. */
    private boolean requestAbandoned;

    // upstream head out
    private ByteBuffer uout;
    private int uoutPos;
    private int uoutLen;

    // upstream in: [uinPos, respScanned) approved for the client
    private ByteBuffer uin;
    private int uinPos;
    private int uinEnd;
    private int respScanned;

    // client head out (response heads and generated responses)
    private ByteBuffer cout;
    private int coutPos;
    private int coutLen;

    // the exchange
    private HttpMethod method;
    private boolean headRequest;
    private boolean upgrade;
    private boolean connectMethod;
    private boolean respHeadDone;
    private boolean respStarted;
    private boolean respAnyByte;
    private boolean tunnelPending;
    private boolean generated;
    private boolean clientKeepAlive;
    private boolean upstreamPersist;
    private boolean upstreamReusable;
    private int status;
    private long exchangeStartNs;
    private long requestSentNs;
    private long reqBytes;
    private long respBytes;
    private ByteBuffer loggedTarget;
    private int loggedTargetLength;

    // the upstream side of the exchange
    private int upState = UP_NONE;
    private SocketChannel upstream;
    private SelectionKey upKey;
    private ConnectionPool.Connection conn;
    private Peer peer;
    private String lastPeerName = "-";
    private boolean reused;
    private boolean reusedAny;
    private boolean forceFresh;
    private boolean reuseRetried;
    private int tries;
    private long triedMask;
    private boolean upReadable;
    private boolean upWritable;
    private boolean upEof;

    // tunnel (after 101 or CONNECT)
    private HttpTunnel tunnel;

    private int requestsServed;
    private long fromClient;
    private long toClientBytes;
    private long idleSinceNs;
    private long headStartNs;
    private long lastClientReadNs;
    private long lastClientWriteNs;
    private long lastUpReadNs;
    private long lastUpWriteNs;
    private long lingerStartNs;
    /** Whether and when bytes last went to each side (not reset per exchange): tells retransmission from keepalive. */
    private boolean wroteClient;
    private long wroteClientNs;
    private boolean wroteUpstream;
    private long wroteUpstreamNs;
    private long connectTimerId = NO_TIMER;
    private long livenessTimerId = NO_TIMER;

    private HttpSession(final ListenerShard shard, final SocketChannel client)
    {
        this.shard = shard;
        this.loop = shard.loop();
        this.listener = shard.listener();
        this.config = listener.config().http();
        this.picker = shard.picker();
        this.group = picker.group();
        this.upstreamConfig = group.config().http();
        this.buffers = shard.buffers();
        this.pool = shard.pool();
        this.client = client;
        this.clientAddress = Sockets.remoteAddress(client);
        this.clientText = clientAddress == null ? "-" : HostPort.format(clientAddress);
        this.clientHash = PeerPicker.clientHash(clientAddress, group.config().hashKey());
        this.startNs = loop.nowNs();
        this.startEpochMs = System.currentTimeMillis();
        this.idleSinceNs = startNs;
        this.reqHead = new HttpHead(true, config.maxRequestLine(), config.maxHeaderSize());
        // a response head may use the whole buffer (minus one byte, so a full buffer is "too large")
        this.respHead = new HttpHead(false, buffers.bufferSize() - 1, buffers.bufferSize() - 1);
        final String ip = clientAddress == null ? "unknown" : clientAddress.getAddress().getHostAddress();
        this.xForwardedFor = config.addXForwarded() ? ip.getBytes(StandardCharsets.US_ASCII) : null;
        final boolean v6 = clientAddress != null && clientAddress.getAddress() instanceof Inet6Address;
        this.forwardedFor = config.addForwarded() ?
            (v6 ? "\"[" + ip + "]\"" : ip).getBytes(StandardCharsets.US_ASCII) : null;
    }

    /**
     * The http-mode session starter: begin reading requests on an accepted socket.
     *
     * @param shard  the listener on the accepting loop.
     * @param client the accepted socket.
     */
    public static void startOn(final ListenerShard shard, final SocketChannel client)
    {
        final HttpSession session = new HttpSession(shard, client);
        session.loop.add(session);
        try
        {
            session.clientKey = client.register(session.loop.selector(), SelectionKey.OP_READ, session);
            session.drive(); // bytes may already be waiting
        }
        catch (final IOException | RuntimeException ex)
        {
            session.onFailure(ex);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Events

    @Override
    public void onSelect(final SelectionKey key)
    {
        final int ready = key.readyOps();
        if (key == clientKey)
        {
            clientReadable |= (ready & SelectionKey.OP_READ) != 0;
            clientWritable |= (ready & SelectionKey.OP_WRITE) != 0;
            if (phase == TUNNEL)
            {
                tunnel.onReady(true, ready);
            }
        }
        else if (key == upKey)
        {
            if (upState == UP_CONNECTING)
            {
                if ((ready & SelectionKey.OP_CONNECT) != 0)
                {
                    onConnectReady();
                }
            }
            else
            {
                upReadable |= (ready & SelectionKey.OP_READ) != 0;
                upWritable |= (ready & SelectionKey.OP_WRITE) != 0;
                if (phase == TUNNEL)
                {
                    tunnel.onReady(false, ready);
                }
            }
        }
        else
        {
            return;
        }
        drive();
    }

    /** Run the state machine until nothing moves, then say what to wait for. */
    private void drive()
    {
        while (phase != CLOSED)
        {
            final boolean moved = switch (phase)
            {
                case WAIT_HEAD -> stepWaitHead();
                case EXCHANGE -> stepExchange();
                case TUNNEL -> stepTunnel();
                case LINGER -> stepLinger();
                default -> false;
            };
            if (!moved)
            {
                break;
            }
        }
        if (phase != CLOSED)
        {
            updateInterest();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Waiting for a request head

    private boolean stepWaitHead()
    {
        if (cinEnd == 0 && draining)
        {
            close(CloseReason.SHUTDOWN, Side.PROXY);
            return false;
        }
        final int n = readClient();
        if (n == CLOSED_BY_READ)
        {
            return false;
        }
        if (cinEnd == 0)
        {
            if (clientEof)
            {
                close(CloseReason.EOF, Side.CLIENT); // closed between requests: the normal end of keep-alive
            }
            else
            {
                releaseClientIn();
            }
            return false;
        }
        if (headStartNs == 0)
        {
            headStartNs = loop.nowNs();
        }
        final int result = reqHead.scan(cin, cinEnd);
        if (result == HttpHead.NEED_MORE)
        {
            if (clientEof)
            {
                close(CloseReason.EOF, Side.CLIENT); // a partial head and no more coming
                return false;
            }
            return n > 0;
        }
        if (result == HttpHead.ERROR)
        {
            rejectHead(reqHead.error());
            return true;
        }
        startExchange();
        return true;
    }

    private static final int CLOSED_BY_READ = -2;

    /**
     * Read what the client sent into {@code cin} after {@code cinEnd}.
     *
     * @return bytes read, -1 at EOF, or {@link #CLOSED_BY_READ} when the read failed and the session closed.
     */
    private int readClient()
    {
        if (!clientReadable || clientEof)
        {
            return 0;
        }
        if (cin == null)
        {
            cin = buffers.acquire();
        }
        final int room = cin.capacity() - cinEnd;
        if (room == 0)
        {
            return 0;
        }
        cin.limit(cin.capacity()).position(cinEnd);
        final int n;
        try
        {
            n = client.read(cin);
        }
        catch (final IOException ex)
        {
            close(CloseReason.of(ex, idleKeepAlive(Side.CLIENT)), Side.CLIENT);
            return CLOSED_BY_READ;
        }
        if (n < 0)
        {
            clientEof = true;
            clientReadable = false;
            return -1;
        }
        if (n < room)
        {
            clientReadable = false;
        }
        cinEnd += n;
        fromClient += n;
        lastClientReadNs = loop.nowNs();
        return n;
    }

    private void rejectHead(final HttpStatus refusal)
    {
        beginExchange();
        reqFramer.none();
        reqScanned = cinEnd;
        respondError(refusal, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
    }

    private void beginExchange()
    {
        phase = EXCHANGE;
        exchangeStartNs = loop.nowNs();
        lastClientWriteNs = exchangeStartNs;
        method = reqHead.method();
        headRequest = method == HttpMethod.HEAD;
        upgrade = false;
        connectMethod = false;
        respHead.reset();
        respHeadDone = false;
        respStarted = false;
        respAnyByte = false;
        tunnelPending = false;
        generated = false;
        clientKeepAlive = false;
        upstreamPersist = false;
        upstreamReusable = true;
        status = 0;
        tries = 0;
        triedMask = 0;
        forceFresh = false;
        reuseRetried = false;
        reusedAny = false;
        lastPeerName = "-";
        requestSent = false;
        requestAbandoned = false;
        reqBytes = 0;
        respBytes = 0;
        uinPos = 0;
        uinEnd = 0;
        respScanned = 0;
        cinPos = 0;
        reqScanned = 0;
        reqBodyStart = 0;
        replayable = false;
        rememberTarget();
    }

    private void rememberTarget()
    {
        loggedTargetLength = 0;
        if (method == null)
        {
            return;
        }
        if (loggedTarget == null)
        {
            loggedTarget = ByteBuffer.allocate(LOGGED_TARGET_BYTES);
        }
        final int length = Math.min(reqHead.targetEnd() - reqHead.targetStart(), LOGGED_TARGET_BYTES);
        if (length <= 0)
        {
            return;
        }
        loggedTarget.put(0, cin, reqHead.targetStart(), length);
        loggedTargetLength = length;
    }

    // ---------------------------------------------------------------------------------------------------------
    // One request/response exchange

    private void startExchange()
    {
        beginExchange();
        final long contentLength = reqHead.contentLength();
        if (reqHead.chunked())
        {
            reqFramer.chunked();
        }
        else if (contentLength > 0)
        {
            reqFramer.length(contentLength);
        }
        else
        {
            reqFramer.none();
        }
        upgrade = reqHead.upgradeRequested();
        connectMethod = method == HttpMethod.CONNECT;
        reqBodyStart = reqHead.headEnd();
        cinPos = reqBodyStart;
        reqScanned = reqBodyStart;
        if (connectMethod && !config.allowConnect())
        {
            // a CONNECT answered 2xx is a raw tunnel wherever the origin connects it: only when asked for
            reqScanned = cinEnd;
            respondError(HttpStatus.METHOD_NOT_ALLOWED, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return;
        }
        if (config.clientMaxBodySize() > 0 && contentLength > config.clientMaxBodySize())
        {
            reqScanned = cinEnd;
            respondError(HttpStatus.CONTENT_TOO_LARGE, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return;
        }
        if (!advanceRequestBody())
        {
            return;
        }
        if (uout == null)
        {
            uout = buffers.acquire();
        }
        uoutLen = headWriter.request(cin, reqHead, uout, upgrade, upstreamConfig.keepaliveIdle() > 0,
            xForwardedFor, forwardedFor);
        if (uoutLen == HeadWriter.NO_ROOM)
        {
            reqScanned = cinEnd;
            respondError(HttpStatus.HEADERS_TOO_LARGE, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return;
        }
        uoutPos = 0;
        replayable = true;
        acquireUpstream();
    }

    /**
     * Let the request framer see newly read body bytes.
     *
     * @return false when the body was refused (and a response or close is under way).
     */
    private boolean advanceRequestBody()
    {
        if (reqFramer.complete() || reqScanned == cinEnd)
        {
            return true;
        }
        final int end = reqFramer.advance(cin, reqScanned, cinEnd);
        if (end == BodyFramer.INVALID)
        {
            reqScanned = cinEnd;
            dropUpstream(false);
            respondError(HttpStatus.BAD_REQUEST, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return false;
        }
        reqScanned = end;
        if (config.clientMaxBodySize() > 0 && reqFramer.bodyBytes() > config.clientMaxBodySize())
        {
            reqScanned = cinEnd;
            dropUpstream(false);
            respondError(HttpStatus.CONTENT_TOO_LARGE, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return false;
        }
        return true;
    }

    private boolean stepExchange()
    {
        boolean moved = false;
        if (upState == UP_READY)
        {
            moved = sendRequest();
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
        if (upState == UP_READY)
        {
            moved |= readUpstream();
            if (phase != EXCHANGE)
            {
                return true;
            }
        }
        moved |= sendResponse();
        if (phase != EXCHANGE)
        {
            return true;
        }
        if (tunnelPending && coutLen == 0)
        {
            enterTunnel();
            return true;
        }
        if (respHeadDone && !tunnelPending && respFramer.complete() && uinPos == respScanned && coutLen == 0)
        {
            finishExchange();
            return true;
        }
        return moved;
    }

    private boolean sendRequest()
    {
        if (!upWritable || requestAbandoned)
        {
            return false;
        }
        boolean moved = false;
        try
        {
            // head and body in one writev: one syscall and, for small messages, one segment
            final boolean head = uoutPos < uoutLen;
            final boolean body = cinPos < reqScanned;
            if (head || body)
            {
                final long n = writeGathering(upstream, uout, uoutPos, uoutLen, cin, cinPos, reqScanned, head, body);
                if (head)
                {
                    uoutPos = uout.position();
                }
                if (body)
                {
                    cinPos = cin.position();
                }
                restoreLimits(uout, cin);
                reqBytes += n;
                moved = n > 0;
                upWritable = uoutPos == uoutLen && cinPos == reqScanned;
            }
        }
        catch (final IOException ex)
        {
            if (respAnyByte)
            {
                // it answered before taking the whole request and closed: relay the answer, then close
                requestAbandoned = true;
                upstreamReusable = false;
                return true;
            }
            upstreamFailed(CloseReason.of(ex, idleKeepAlive(Side.UPSTREAM)));
            return true;
        }
        if (moved)
        {
            lastUpWriteNs = loop.nowNs();
            wroteUpstream = true;
            wroteUpstreamNs = lastUpWriteNs;
        }
        if (uoutPos == uoutLen && cinPos == reqScanned)
        {
            if (reqFramer.complete())
            {
                if (!requestSent)
                {
                    requestSent = true;
                    requestSentNs = loop.nowNs();
                }
            }
            else if (cinPos == cinEnd)
            {
                // a long body streams through the buffer: start over at 0, the request can no longer be replayed
                cinPos = 0;
                cinEnd = 0;
                reqScanned = 0;
                replayable = false;
            }
        }
        return moved;
    }

    private boolean readClientDuringExchange()
    {
        if (clientEof || !clientReadable)
        {
            return false;
        }
        if (cin != null && cinEnd == cin.capacity())
        {
            if (reqFramer.complete() || cinPos == 0 || generated)
            {
                return false; // full: wait for the upstream to take the body, or for the next request's turn
            }
            final int kept = cinEnd - cinPos;
            cin.put(0, cin, cinPos, kept);
            reqScanned -= cinPos;
            cinEnd = kept;
            cinPos = 0;
            replayable = false;
        }
        final int n = readClient();
        if (n == CLOSED_BY_READ)
        {
            return true;
        }
        if (n == -1)
        {
            if (!reqFramer.complete() && !generated)
            {
                close(CloseReason.EOF, Side.CLIENT); // the client gave up in the middle of its request body
            }
            return true;
        }
        if (n == 0)
        {
            return false;
        }
        if (!generated)
        {
            advanceRequestBody();
        }
        return true;
    }

    private boolean readUpstream()
    {
        if (!upReadable || upEof)
        {
            return false;
        }
        if (uin == null)
        {
            uin = buffers.acquire();
        }
        if (uinEnd == uin.capacity())
        {
            if (!respHeadDone || uinPos == 0)
            {
                return false; // the client has not taken what is here yet
            }
            final int kept = uinEnd - uinPos;
            uin.put(0, uin, uinPos, kept);
            respScanned -= uinPos;
            uinEnd = kept;
            uinPos = 0;
        }
        final int room = uin.capacity() - uinEnd;
        uin.limit(uin.capacity()).position(uinEnd);
        final int n;
        try
        {
            n = upstream.read(uin);
        }
        catch (final IOException ex)
        {
            final CloseReason reason = CloseReason.of(ex, idleKeepAlive(Side.UPSTREAM));
            if (respAnyByte)
            {
                close(reason, Side.UPSTREAM);
            }
            else
            {
                upstreamFailed(reason);
            }
            return true;
        }
        if (n < 0)
        {
            upEof = true;
            upReadable = false;
            onUpstreamEof();
            return true;
        }
        if (n < room)
        {
            upReadable = false;
        }
        if (n == 0)
        {
            return false;
        }
        uinEnd += n;
        lastUpReadNs = loop.nowNs();
        respAnyByte = true;
        if (!respHeadDone)
        {
            parseResponseHead();
        }
        else if (!respFramer.complete())
        {
            advanceResponseBody();
        }
        else
        {
            upstreamReusable = false; // bytes after a complete response: this connection cannot be trusted
        }
        return true;
    }

    private void onUpstreamEof()
    {
        if (!respAnyByte)
        {
            upstreamFailed(CloseReason.EOF); // closed before answering, e.g. a pooled connection's idle close race
        }
        else if (!respHeadDone)
        {
            badGateway();
        }
        else
        {
            respFramer.onEof();
            if (!respFramer.complete())
            {
                close(CloseReason.EOF, Side.UPSTREAM); // a truncated body: the client can only learn by the close
            }
            else
            {
                upstreamReusable = false;
            }
        }
    }

    private void parseResponseHead()
    {
        while (true)
        {
            final int result = respHead.scan(uin, uinEnd);
            if (result == HttpHead.NEED_MORE)
            {
                return;
            }
            if (result == HttpHead.ERROR)
            {
                badGateway();
                return;
            }
            status = respHead.status();
            final int headEnd = respHead.headEnd();
            if (status == 101 || connectMethod && status / 100 == 2)
            {
                if (status == 101 && !upgrade)
                {
                    badGateway(); // switching protocols nobody asked for
                    return;
                }
                if (!writeResponseHead(status == 101, true))
                {
                    return;
                }
                uinPos = headEnd;
                respScanned = headEnd;
                respFramer.none();
                tunnelPending = true;
                return;
            }
            if (status < 200)
            {
                // interim (100 Continue, 103): passed on as it came; the final response follows
                if (!ensureCout(headEnd))
                {
                    return;
                }
                cout.put(coutLen, uin, 0, headEnd);
                coutLen += headEnd;
                respStarted = true;
                final int rest = uinEnd - headEnd;
                uin.put(0, uin, headEnd, rest);
                uinEnd = rest;
                respHead.reset();
                continue;
            }
            frameResponse();
            clientKeepAlive = decideClientKeepAlive();
            upstreamPersist = respHead.persistent() && !respFramer.endsAtClose();
            if (!writeResponseHead(false, clientKeepAlive))
            {
                return;
            }
            uinPos = headEnd;
            respScanned = headEnd;
            advanceResponseBody();
            return;
        }
    }

    private void frameResponse()
    {
        if (headRequest || status == 204 || status == 304)
        {
            respFramer.none();
        }
        else if (respHead.chunked())
        {
            respFramer.chunked();
        }
        else if (respHead.transferEncoding() || respHead.contentLength() == HttpHead.NO_LENGTH)
        {
            respFramer.untilClose();
        }
        else
        {
            respFramer.length(respHead.contentLength());
        }
    }

    private boolean writeResponseHead(final boolean switching, final boolean keepAlive)
    {
        if (!ensureCout(0))
        {
            return false;
        }
        final int end = headWriter.response(uin, respHead, cout, coutLen, switching, keepAlive,
            reqHead.versionMinor() == 0);
        if (end == HeadWriter.NO_ROOM)
        {
            badGateway();
            return false;
        }
        coutLen = end;
        respHeadDone = true;
        respStarted = true;
        return true;
    }

    private boolean ensureCout(final int need)
    {
        if (cout == null)
        {
            cout = buffers.acquire();
        }
        if (coutLen + need > cout.capacity())
        {
            badGateway();
            return false;
        }
        return true;
    }

    private void advanceResponseBody()
    {
        final int end = respFramer.advance(uin, respScanned, uinEnd);
        if (end == BodyFramer.INVALID)
        {
            close(CloseReason.PROTOCOL_ERROR, Side.UPSTREAM); // a bad chunk mid-response: nothing else is safe
            return;
        }
        respScanned = end;
    }

    private boolean decideClientKeepAlive()
    {
        return reqHead.persistent() && !clientEof && !draining && reqFramer.complete() &&
            !respFramer.endsAtClose() && config.keepaliveTimeoutNs() > 0 &&
            requestsServed + 1 < config.keepaliveRequests() &&
            loop.nowNs() - startNs < config.keepaliveTimeNs();
    }

    private boolean sendResponse()
    {
        if (!clientWritable)
        {
            return false;
        }
        boolean moved = false;
        try
        {
            // response head (cout) and body (uin) in one writev: one syscall and one segment for small responses
            final boolean head = coutPos < coutLen;
            final boolean body = respHeadDone && !tunnelPending && uinPos < respScanned;
            if (head || body)
            {
                final long n = writeGathering(client, cout, coutPos, coutLen, uin, uinPos, respScanned, head, body);
                if (head)
                {
                    coutPos = cout.position();
                }
                if (body)
                {
                    uinPos = uin.position();
                }
                restoreLimits(cout, uin);
                respBytes += n;
                moved = n > 0;
                clientWritable = coutPos == coutLen && (!body || uinPos == respScanned);
                if (coutPos == coutLen)
                {
                    coutPos = 0;
                    coutLen = 0;
                }
            }
        }
        catch (final IOException ex)
        {
            close(CloseReason.of(ex, idleKeepAlive(Side.CLIENT)), Side.CLIENT);
            return true;
        }
        if (moved)
        {
            lastClientWriteNs = loop.nowNs();
            wroteClient = true;
            wroteClientNs = lastClientWriteNs;
        }
        if (respHeadDone && uinPos == uinEnd && uinEnd > 0 && respScanned == uinEnd)
        {
            uinPos = 0;
            uinEnd = 0;
            respScanned = 0;
        }
        return moved;
    }

    /**
     * Write {@code first[firstFrom, firstTo)} then {@code second[secondFrom, secondTo)} with one gathering write;
     * either may be skipped. Positions tell the caller how far each got.
     */
    private long writeGathering(
        final SocketChannel channel,
        final ByteBuffer first, final int firstFrom, final int firstTo,
        final ByteBuffer second, final int secondFrom, final int secondTo,
        final boolean writeFirst, final boolean writeSecond) throws IOException
    {
        if (writeFirst)
        {
            first.limit(firstTo).position(firstFrom);
        }
        if (writeSecond)
        {
            second.limit(secondTo).position(secondFrom);
        }
        if (writeFirst && writeSecond)
        {
            gather[0] = first;
            gather[1] = second;
            final long n = channel.write(gather, 0, 2);
            gather[0] = null;
            gather[1] = null;
            return n;
        }
        return channel.write(writeFirst ? first : second);
    }

    /** Absolute gets and puts (parsers, compaction) need the whole buffer. */
    private static void restoreLimits(final ByteBuffer a, final ByteBuffer b)
    {
        if (a != null)
        {
            a.limit(a.capacity());
        }
        if (b != null)
        {
            b.limit(b.capacity());
        }
    }

    private void finishExchange()
    {
        requestsServed++;
        toClientBytes += respBytes;
        logRequest();
        if (upState != UP_NONE)
        {
            final boolean reuse = !generated && upState == UP_READY && upstreamReusable && upstreamPersist &&
                requestSent && uinEnd == respScanned && !upEof;
            releaseUpstream(reuse);
        }
        uinPos = 0;
        uinEnd = 0;
        respScanned = 0;
        releaseBuffers();
        final boolean keep = clientKeepAlive && reqFramer.complete() && (cinPos == reqScanned || generated);
        if (!keep)
        {
            startLinger();
            return;
        }
        // drop the finished request; pipelined bytes move to the front and are parsed next
        final int rest = cinEnd - reqScanned;
        if (rest > 0)
        {
            cin.put(0, cin, reqScanned, rest);
        }
        cinEnd = rest;
        cinPos = 0;
        reqScanned = 0;
        reqHead.reset();
        phase = WAIT_HEAD;
        idleSinceNs = loop.nowNs();
        headStartNs = 0;
        if (cinEnd == 0)
        {
            releaseClientIn();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The upstream connection

    private void acquireUpstream()
    {
        final int maxTries = group.maxTries();
        while (true)
        {
            if (tries >= maxTries)
            {
                respondError(HttpStatus.BAD_GATEWAY, true, CloseReason.CONNECT_FAILED, Side.UPSTREAM);
                return;
            }
            final long nowNs = loop.nowNs();
            final Peer next = picker.next(triedMask, clientHash, nowNs);
            if (next == null)
            {
                // nginx says 502 for "no live upstreams"; all servers down or full is a 503
                respondError(tries == 0 ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.BAD_GATEWAY, true,
                    CloseReason.CONNECT_FAILED, Side.UPSTREAM);
                return;
            }
            peer = next;
            lastPeerName = next.name();
            tries++;
            triedMask |= picker.bit(next);
            lastUpReadNs = nowNs;
            lastUpWriteNs = nowNs;
            upEof = false;
            if (!forceFresh && pool != null)
            {
                conn = pool.acquire(next);
                if (conn != null)
                {
                    upstream = conn.channel();
                    upKey = conn.key();
                    upKey.attach(this);
                    reused = true;
                    reusedAny = true;
                    upState = UP_READY;
                    upReadable = false;
                    upWritable = true;
                    return;
                }
            }
            reused = false;
            final SocketChannel channel = Sockets.openNonBlocking();
            if (channel == null)
            {
                // a local failure (EMFILE) says nothing about the server
                peer.release();
                peer = null;
                respondError(HttpStatus.BAD_GATEWAY, true, CloseReason.ERROR, Side.PROXY);
                return;
            }
            group.tuning().apply(channel);
            upstream = channel;
            try
            {
                if (channel.connect(next.address()))
                {
                    upKey = channel.register(loop.selector(), 0, this);
                    onUpstreamConnected();
                }
                else
                {
                    upKey = channel.register(loop.selector(), SelectionKey.OP_CONNECT, this);
                    upState = UP_CONNECTING;
                    connectTimerId = loop.schedule(nowNs + group.config().connectTimeoutNs(), this);
                }
                return;
            }
            catch (final IOException ex)
            {
                CloseHelper.quietClose(channel);
                upstream = null;
                upKey = null;
                if (Sockets.isLocalFailure(ex))
                {
                    peer.release(); // no local port or descriptor: not the server's failure
                    peer = null;
                    respondError(HttpStatus.BAD_GATEWAY, true, CloseReason.ERROR, Side.PROXY);
                    return;
                }
                peerFailed();
            }
        }
    }

    private void onConnectReady()
    {
        try
        {
            if (upstream.finishConnect())
            {
                loop.cancel(connectTimerId);
                connectTimerId = NO_TIMER;
                onUpstreamConnected();
                drive();
            }
        }
        catch (final IOException ex)
        {
            connectFailed();
        }
    }

    private void connectFailed()
    {
        loop.cancel(connectTimerId);
        connectTimerId = NO_TIMER;
        CloseHelper.quietClose(upstream);
        upstream = null;
        upKey = null;
        upState = UP_NONE;
        peerFailed();
        acquireUpstream();
        drive();
    }

    private void onUpstreamConnected()
    {
        upState = UP_READY;
        peer.onSuccess();
        conn = pool != null ? pool.track(upstream, upKey, peer) : null;
        upReadable = false;
        upWritable = true;
        lastUpReadNs = loop.nowNs();
        lastUpWriteNs = lastUpReadNs;
        listener.observer().onEstablished(listener.name(), client, upstream);
    }

    /**
     * The upstream connection failed before any response byte: send the request again on a fresh connection when
     * that is safe (idempotent, still held whole, nothing sent to the client), else answer 502.
     */
    private void upstreamFailed(final CloseReason reason)
    {
        final boolean wasReused = reused;
        final Peer failedPeer = peer;
        final long failedBit = failedPeer == null ? 0 : picker.bit(failedPeer);
        // a pooled connection closed under us is the idle-close race, not a sign the server is failing
        dropUpstream(!wasReused);
        final boolean canReplay = !respStarted && replayable && method != null && method.idempotent() &&
            !clientEof;
        if (canReplay && wasReused && !reuseRetried)
        {
            reuseRetried = true;
            forceFresh = true;
            tries--;
            triedMask &= ~failedBit;
            replay();
            return;
        }
        if (canReplay && !wasReused && tries < group.maxTries())
        {
            replay();
            return;
        }
        respondError(HttpStatus.BAD_GATEWAY, true, reason, Side.UPSTREAM);
    }

    private void replay()
    {
        uoutPos = 0;
        cinPos = reqBodyStart;
        requestSent = false;
        respHead.reset();
        respAnyByte = false;
        uinPos = 0;
        uinEnd = 0;
        respScanned = 0;
        acquireUpstream();
    }

    /** The upstream answered with something that is not a valid HTTP/1.x response. */
    private void badGateway()
    {
        // like nginx's default proxy_next_upstream (error timeout): a bad response is not a server failure
        dropUpstream(false);
        respondError(HttpStatus.BAD_GATEWAY, true, CloseReason.PROTOCOL_ERROR, Side.UPSTREAM);
    }

    private void gatewayTimeout()
    {
        dropUpstream(true);
        respondError(HttpStatus.GATEWAY_TIMEOUT, true, CloseReason.TIMEOUT, Side.UPSTREAM);
    }

    /** Close the upstream connection of this exchange (never pooled), counting a failure against its peer or not. */
    private void dropUpstream(final boolean failure)
    {
        if (upState == UP_NONE)
        {
            return;
        }
        loop.cancel(connectTimerId);
        connectTimerId = NO_TIMER;
        if (conn != null)
        {
            pool.close(conn);
        }
        else
        {
            CloseHelper.quietClose(upstream);
        }
        if (failure)
        {
            peerFailed();
        }
        else if (peer != null)
        {
            peer.release();
            peer = null;
        }
        forgetUpstream();
    }

    /** The exchange is over: pool the connection when it is clean, else close it. */
    private void releaseUpstream(final boolean reuse)
    {
        loop.cancel(connectTimerId);
        connectTimerId = NO_TIMER;
        if (conn != null)
        {
            conn.requestDone();
            if (reuse)
            {
                pool.release(conn, respHead.keepAliveTimeoutSec());
            }
            else
            {
                pool.close(conn);
            }
        }
        else
        {
            CloseHelper.quietClose(upstream);
        }
        if (peer != null)
        {
            peer.release();
            peer = null;
        }
        forgetUpstream();
    }

    private void forgetUpstream()
    {
        wroteUpstream = false;
        conn = null;
        upstream = null;
        upKey = null;
        upState = UP_NONE;
        upReadable = false;
        upWritable = false;
    }

    private void peerFailed()
    {
        if (peer != null)
        {
            group.recordFailure(peer, loop.nowNs());
            peer.release();
            peer = null;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Generated responses, closing

    /**
     * Answer the current request with a generated status, unless part of a response already went out (then only
     * closing is left).
     *
     * @param answer       the status.
     * @param keepPossible whether the client connection may continue afterwards (still subject to keep-alive).
     * @param reason       the close reason when a response had started.
     * @param side         whose fault.
     */
    private void respondError(
        final HttpStatus answer, final boolean keepPossible, final CloseReason reason, final Side side)
    {
        if (respHeadDone)
        {
            close(reason, side); // a final response is under way: only closing is left
            return;
        }
        if (cout == null)
        {
            cout = buffers.acquire();
        }
        if (coutPos == coutLen)
        {
            coutPos = 0;
            coutLen = 0;
        }
        final boolean keepAlive = keepPossible && method != null && decideClientKeepAlive();
        if (coutLen + ErrorResponses.length(answer, keepAlive, headRequest) > cout.capacity())
        {
            close(reason, side); // interim responses fill the buffer: no room to answer after them
            return;
        }
        dropUpstream(false);
        phase = EXCHANGE;
        generated = true;
        status = answer.code();
        respFramer.none();
        tunnelPending = false;
        uinPos = 0;
        uinEnd = 0;
        respScanned = 0;
        clientKeepAlive = keepAlive;
        // after any interim response (100 Continue) still being sent: a final response may always follow one
        coutLen += ErrorResponses.write(cout, coutLen, answer, clientKeepAlive, headRequest);
        respHeadDone = true;
        respStarted = true;
    }

    private void startLinger()
    {
        try
        {
            client.shutdownOutput();
        }
        catch (final IOException ex)
        {
            close(CloseReason.of(ex, false), Side.CLIENT);
            return;
        }
        if (clientEof)
        {
            close(CloseReason.EOF, Side.CLIENT); // its FIN came before ours
            return;
        }
        phase = LINGER;
        lingerStartNs = loop.nowNs();
        cinPos = 0;
        cinEnd = 0;
        reqScanned = 0;
    }

    private boolean stepLinger()
    {
        final int n = readClient();
        if (n == CLOSED_BY_READ)
        {
            return false;
        }
        cinEnd = 0; // dropped: the client learns from our FIN that nothing more is answered
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
        tunnelPending = false;
        requestsServed++;
        toClientBytes += respBytes;
        logRequest();
        conn = null; // never pooled again; the channel is closed with the session
        tunnel = new HttpTunnel(buffers, client, upstream, listener.downstreamTuning(), group.tuning());
        tunnel.fromClient(cin, cinPos, cinEnd, clientEof);
        tunnel.fromUpstream(uin, uinPos, uinEnd, upEof);
        cin = null;
        uin = null;
        if (cout != null)
        {
            buffers.release(cout);
            cout = null;
        }
        if (uout != null)
        {
            buffers.release(uout);
            uout = null;
        }
        tunnel.started(loop.nowNs());
    }

    private boolean stepTunnel()
    {
        if (!tunnel.pump(loop.nowNs()))
        {
            close(tunnel.endReason(), tunnel.endSide());
        }
        return false;
    }

    /** Keepalive is on for that side and nothing was in flight to it: an ETIMEDOUT there is the keepalive verdict. */
    private boolean idleKeepAlive(final Side side)
    {
        final long nowNs = loop.nowNs();
        if (phase == TUNNEL)
        {
            return tunnel.idleKeepAlive(side, nowNs);
        }
        if (side == Side.CLIENT)
        {
            final SocketTuning tuning = listener.downstreamTuning();
            final boolean pending = coutLen > coutPos || respHeadDone && uinPos < respScanned;
            return tuning.keepAliveEnabled() && !pending &&
                !(wroteClient && nowNs - wroteClientNs < tuning.keepAliveBudgetNs());
        }
        final SocketTuning tuning = group.tuning();
        final boolean pending = uoutPos < uoutLen || cinPos < reqScanned;
        return tuning.keepAliveEnabled() && !pending &&
            !(wroteUpstream && nowNs - wroteUpstreamNs < tuning.keepAliveBudgetNs());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Interest, timers, sweep

    private void updateInterest()
    {
        final int clientOps;
        final int upOps;
        if (phase == TUNNEL)
        {
            clientOps = tunnel.clientOps();
            upOps = tunnel.upstreamOps();
        }
        else
        {
            final boolean cinRoom = cin == null || cinEnd < cin.capacity() ||
                phase == EXCHANGE && !reqFramer.complete() && !generated && cinPos > 0;
            final boolean clientPending = coutLen > coutPos ||
                phase == EXCHANGE && respHeadDone && !tunnelPending && uinPos < respScanned;
            clientOps = (!clientEof && cinRoom ? SelectionKey.OP_READ : 0) |
                (clientPending ? SelectionKey.OP_WRITE : 0);
            if (upState == UP_READY)
            {
                final boolean uinRoom = uin == null || uinEnd < uin.capacity() || respHeadDone && uinPos > 0;
                final boolean upPending = !requestAbandoned && (uoutPos < uoutLen || cinPos < reqScanned);
                upOps = (!upEof && uinRoom ? SelectionKey.OP_READ : 0) | (upPending ? SelectionKey.OP_WRITE : 0);
            }
            else
            {
                upOps = -1;
            }
        }
        if (clientKey.interestOps() != clientOps)
        {
            clientKey.interestOps(clientOps);
        }
        if (upOps >= 0 && upKey != null && upKey.interestOps() != upOps)
        {
            upKey.interestOps(upOps);
        }
        final boolean blind = clientOps == 0 || upOps == 0;
        if (blind && livenessTimerId == NO_TIMER && SocketProbe.available())
        {
            livenessTimerId = loop.schedule(loop.nowNs() + LIVENESS_CHECK_NS, this);
        }
    }

    @Override
    public void onTimer(final long firedTimerId, final long nowNs)
    {
        if (firedTimerId == connectTimerId)
        {
            connectTimerId = NO_TIMER;
            if (upState == UP_CONNECTING)
            {
                connectFailed(); // connect timeout: this server is not answering, try the next
            }
        }
        else if (firedTimerId == livenessTimerId)
        {
            livenessTimerId = NO_TIMER;
            checkLiveness();
        }
    }

    /** A socket with no interest ops is invisible to epoll: ask the kernel whether it failed. */
    private void checkLiveness()
    {
        if (phase == CLOSED)
        {
            return;
        }
        if (clientKey.interestOps() == 0 && !clientEof && SocketProbe.hasFailed(client))
        {
            close(CloseReason.ofErrno(SocketProbe.pendingError(client), idleKeepAlive(Side.CLIENT)), Side.CLIENT);
            return;
        }
        if (upKey != null && upState == UP_READY && upKey.interestOps() == 0 && !upEof &&
            SocketProbe.hasFailed(upstream))
        {
            close(CloseReason.ofErrno(SocketProbe.pendingError(upstream), idleKeepAlive(Side.UPSTREAM)),
                Side.UPSTREAM);
            return;
        }
        if (clientKey.interestOps() == 0 || upKey != null && upKey.interestOps() == 0)
        {
            livenessTimerId = loop.schedule(loop.nowNs() + LIVENESS_CHECK_NS, this);
        }
    }

    @Override
    public void onSweep(final long nowNs)
    {
        switch (phase)
        {
            case WAIT_HEAD -> sweepWaitHead(nowNs);
            case EXCHANGE -> sweepExchange(nowNs);
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

    private void sweepWaitHead(final long nowNs)
    {
        if (cinEnd > 0)
        {
            if (nowNs - headStartNs >= config.clientHeaderTimeoutNs())
            {
                method = null;
                rejectHead(HttpStatus.REQUEST_TIMEOUT);
                drive();
            }
            return;
        }
        // nginx: client_header_timeout before the first request, keepalive_timeout between requests
        final long limitNs = requestsServed == 0 ? config.clientHeaderTimeoutNs() : config.keepaliveTimeoutNs();
        if (nowNs - idleSinceNs >= limitNs)
        {
            close(CloseReason.IDLE_TIMEOUT, Side.PROXY);
        }
    }

    private void sweepExchange(final long nowNs)
    {
        final boolean clientPending = coutLen > coutPos || respHeadDone && !tunnelPending && uinPos < respScanned;
        if (clientPending && !clientWritable && nowNs - lastClientWriteNs >= config.sendTimeoutNs())
        {
            close(CloseReason.TIMEOUT, Side.CLIENT);
            return;
        }
        if (generated)
        {
            return;
        }
        if (!reqFramer.complete() && cinPos == reqScanned &&
            nowNs - Math.max(lastClientReadNs, exchangeStartNs) >= config.clientBodyTimeoutNs())
        {
            dropUpstream(false);
            respondError(HttpStatus.REQUEST_TIMEOUT, false, CloseReason.TIMEOUT, Side.CLIENT);
            drive();
            return;
        }
        if (upState != UP_READY)
        {
            return;
        }
        final boolean upPending = !requestAbandoned && (uoutPos < uoutLen || cinPos < reqScanned);
        if (upPending && !upWritable && nowNs - lastUpWriteNs >= upstreamConfig.sendTimeoutNs())
        {
            gatewayTimeout();
            drive();
            return;
        }
        // read-timeout runs only while Vigil waits on the upstream with the request fully sent (or refused by
        // it): an upload after 100 Continue is bounded by client-body-timeout and send-timeout instead, so a
        // slow client never counts as a failing server
        final boolean awaitingResponse = (requestSent || requestAbandoned) && !(respHeadDone && respFramer.complete());
        if (awaitingResponse && nowNs - Math.max(lastUpReadNs, requestSentNs) >= upstreamConfig.readTimeoutNs())
        {
            gatewayTimeout();
            drive();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Lifecycle

    @Override
    public void onPeerDown(final Peer down)
    {
        if (peer == down && phase != CLOSED)
        {
            close(CloseReason.SERVER_DOWN, Side.UPSTREAM);
        }
    }

    @Override
    public void onDrain()
    {
        draining = true;
        if (phase == WAIT_HEAD && cinEnd == 0)
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
    public void onFailure(final Exception ex)
    {
        if (!(ex instanceof IOException))
        {
            // a bug: say where, once per occurrence, and end only this connection
            System.err.println("ERROR listener " + listener.name() + ": HTTP session failed: " + ex);
            ex.printStackTrace();
        }
        close(ex instanceof IOException ? CloseReason.of((IOException)ex, false) : CloseReason.ERROR, Side.PROXY);
    }

    /**
     * The one teardown: log an unfinished request, close the upstream (never pooled), return buffers, close.
     */
    private void close(final CloseReason reason, final Side side)
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
            toClientBytes += respBytes;
            logRequest();
        }
        loop.cancel(livenessTimerId);
        livenessTimerId = NO_TIMER;
        final boolean peerDied = side == Side.UPSTREAM &&
            (reason == CloseReason.KEEPALIVE_TIMEOUT || reason == CloseReason.PEER_TIMEOUT);
        if (tunnelled)
        {
            CloseHelper.quietClose(upstream);
            if (peerDied)
            {
                peerFailed();
            }
            else if (peer != null)
            {
                peer.release();
                peer = null;
            }
            forgetUpstream();
            fromClient += tunnel.bytesFromClient();
            toClientBytes += tunnel.bytesToClient();
            tunnel.release();
        }
        else
        {
            dropUpstream(peerDied);
        }
        releaseBuffers();
        releaseClientIn();
        CloseHelper.quietClose(client);
        loop.remove(this);
        writeConnectionLog(reason, side);
        listener.observer().onClosed(listener.name(), reason, side);
    }

    private void releaseBuffers()
    {
        if (uout != null)
        {
            buffers.release(uout);
            uout = null;
        }
        uoutPos = 0;
        uoutLen = 0;
        if (uin != null)
        {
            buffers.release(uin);
            uin = null;
        }
        if (cout != null)
        {
            buffers.release(cout);
            cout = null;
        }
        coutPos = 0;
        coutLen = 0;
    }

    private void releaseClientIn()
    {
        if (cin != null)
        {
            buffers.release(cin);
            cin = null;
        }
        cinPos = 0;
        cinEnd = 0;
        reqScanned = 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Access log

    private void logRequest()
    {
        if (!listener.config().accessLog())
        {
            return;
        }
        final long durationMs = TimeUnit.NANOSECONDS.toMillis(loop.nowNs() - exchangeStartNs);
        final var line = shard.logLine().begin()
            .appendTimestamp(System.currentTimeMillis())
            .append(" listener=").append(listener.name())
            .append(" client=").append(clientText)
            .append(" request=").append(method == null ? "-" : method == HttpMethod.OTHER ? "OTHER" : method.name())
            .append(' ');
        if (loggedTargetLength > 0)
        {
            line.append(loggedTarget, 0, loggedTargetLength, LOGGED_TARGET_BYTES);
        }
        else
        {
            line.append('-');
        }
        line.append(" status=");
        if (status == 0)
        {
            line.append('-');
        }
        else
        {
            line.append(status);
        }
        line.append(" upstream=").append(lastPeerName)
            .append(" reused=").append(reusedAny ? 1 : 0)
            .append(" tries=").append(tries)
            .append(" request_bytes=").append(reqBytes)
            .append(" response_bytes=").append(respBytes)
            .append(" duration_ms=").append(durationMs)
            .commit();
    }

    private void writeConnectionLog(final CloseReason reason, final Side side)
    {
        if (!listener.config().accessLog())
        {
            return;
        }
        final long durationMs = TimeUnit.NANOSECONDS.toMillis(loop.nowNs() - startNs);
        shard.logLine().begin()
            .appendTimestamp(startEpochMs + durationMs)
            .append(" listener=").append(listener.name())
            .append(" client=").append(clientText)
            .append(" connection_closed requests=").append(requestsServed)
            .append(" from_client=").append(fromClient)
            .append(" to_client=").append(toClientBytes)
            .append(" duration_ms=").append(durationMs)
            .append(" reason=").append(reason.logName())
            .append(" side=").append(side.logName())
            .commit();
    }

}
