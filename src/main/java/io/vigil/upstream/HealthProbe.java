package io.vigil.upstream;

import io.vigil.config.HealthCheckConfig;
import io.vigil.config.SendProxyProtocol;
import io.vigil.loop.EventLoop;
import io.vigil.loop.SelectHandler;
import io.vigil.loop.TimerTarget;
import io.vigil.log.Log;
import io.vigil.net.Sockets;
import io.vigil.stats.ServerCounters;
import org.agrona.DeadlineTimerWheel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Active health checks of one peer, run on one loop's selector and timer wheel (no thread per server). Every
 * interval: a non-blocking connect, and for http a {@code GET path HTTP/1.0} whose status line is read; the whole
 * check must finish within the timeout. {@code fall} consecutive failures mark an up peer down, {@code rise}
 * consecutive passes mark a down peer up; each change is logged and reported to {@code onDown}.
 */
public final class HealthProbe implements SelectHandler, TimerTarget
{
    private static final long NO_TIMER = DeadlineTimerWheel.NULL_DEADLINE;

    private final EventLoop loop;
    private final String groupName;
    private final Peer peer;
    private final HealthCheckConfig check;
    private final Consumer<Peer> onDown;
    /** PROXY protocol headers that name no client (doc/proxy-protocol.txt: v1 UNKNOWN, v2 LOCAL UNSPEC). */
    private static final byte[] V1_UNKNOWN = "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2_LOCAL =
        {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00};

    private final ByteBuffer request;
    private final ByteBuffer response = ByteBuffer.allocate(64);
    private SocketChannel channel;
    private long timerId = NO_TIMER;
    private boolean stopped;
    private long localFailures;
    private boolean localFailureLogged;

    /**
     * @param loop      the loop the checks run on.
     * @param groupName the upstream's name, for logs.
     * @param peer      the peer checked.
     * @param check     how.
     * @param onDown    called on the loop thread when the peer goes down.
     * @param sendProxy  the group's send-proxy-protocol: an http check then starts with a header that names no
     *                   client (v1 UNKNOWN, v2 LOCAL), as HAProxy's check-send-proxy, so a server that requires
     *                   one answers the check.
     */
    public HealthProbe(
        final EventLoop loop, final String groupName, final Peer peer, final HealthCheckConfig check,
        final Consumer<Peer> onDown, final SendProxyProtocol sendProxy)
    {
        this.loop = loop;
        this.groupName = groupName;
        this.peer = peer;
        this.check = check;
        this.onDown = onDown;
        final String host = peer.address().getAddress().getHostAddress();
        final byte[] get = ("GET " + check.path() + " HTTP/1.0\r\nHost: " +
            (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + "\r\nUser-Agent: vigil-health-check\r\n" +
            "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        final byte[] header = sendProxy == SendProxyProtocol.V1 ? V1_UNKNOWN :
            sendProxy == SendProxyProtocol.V2 ? V2_LOCAL : new byte[0];
        this.request = ByteBuffer.allocate(header.length + get.length).put(header).put(get);
    }

    /**
     * @return the loop the checks run on.
     */
    public EventLoop loop()
    {
        return loop;
    }

    /**
     * @return the peer checked.
     */
    public Peer peer()
    {
        return peer;
    }

    /**
     * Start checking after {@code delayNs}. Call on the loop's thread (or before it runs).
     *
     * @param delayNs spreads the first checks of many peers over the interval.
     */
    public void start(final long delayNs)
    {
        if (stopped)
        {
            return;
        }
        timerId = loop.schedule(System.nanoTime() + delayNs, this);
    }

    /**
     * Stop checking (the peer left the group). Call on the loop's thread.
     */
    public void stop()
    {
        stopped = true;
        loop.cancel(timerId);
        timerId = NO_TIMER;
        loop.closeSoon(channel);
        channel = null;
    }

    @Override
    public void onTimer(final long firedTimerId, final long nowNs)
    {
        timerId = NO_TIMER;
        if (stopped)
        {
            return;
        }
        if (channel != null)
        {
            finish(false, "timed out after " + check.timeoutNs() / 1_000_000 + "ms");
            return;
        }
        begin(nowNs);
    }

    private void begin(final long nowNs)
    {
        channel = Sockets.openNonBlocking();
        if (channel == null)
        {
            skipLocal("cannot open a socket (out of file descriptors?)");
            return;
        }
        try
        {
            timerId = loop.schedule(nowNs + check.timeoutNs(), this);
            if (channel.connect(peer.address()))
            {
                channel.register(loop.selector(), 0, this);
                onConnected(channel.keyFor(loop.selector()));
            }
            else
            {
                channel.register(loop.selector(), SelectionKey.OP_CONNECT, this);
            }
        }
        catch (final IOException ex)
        {
            if (Sockets.isLocalFailure(ex))
            {
                skipLocal(ex.getMessage());
            }
            else
            {
                finish(false, ex.getMessage());
            }
        }
    }

    /**
     * This host could not even try (EMFILE, EADDRNOTAVAIL): the server is neither passed nor failed, and the
     * check runs again at the next interval. Counting it would take every server down at fd exhaustion, and with
     * on-down = close-sessions cut healthy sessions too.
     */
    private void skipLocal(final String why)
    {
        loop.cancel(timerId);
        timerId = NO_TIMER;
        loop.closeSoon(channel);
        channel = null;
        localFailures++;
        loop.counters().increment(peer.stats() + ServerCounters.HEALTH_CHECKS +
            ServerCounters.HealthResult.SKIPPED.ordinal());
        if (!localFailureLogged)
        {
            localFailureLogged = true;
            Log.warn("upstream " + groupName + " server " + peer.name() + ": health check skipped, " +
                "a local failure that says nothing about the server: " + why);
        }
        if (!stopped)
        {
            timerId = loop.schedule(loop.nowNs() + check.intervalNs(), this);
        }
    }

    /**
     * @return checks skipped because this host could not run them.
     */
    public long localFailures()
    {
        return localFailures;
    }

    @Override
    public void onSelect(final SelectionKey key)
    {
        try
        {
            if (key.isConnectable())
            {
                if (channel.finishConnect())
                {
                    onConnected(key);
                }
                return;
            }
            if (key.isWritable())
            {
                channel.write(request);
                if (!request.hasRemaining())
                {
                    key.interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            if (key.isReadable())
            {
                final int n = channel.read(response);
                if (n < 0 || !response.hasRemaining() || statusLineComplete())
                {
                    judgeResponse();
                }
            }
        }
        catch (final IOException ex)
        {
            finish(false, ex.getMessage());
        }
    }

    private void onConnected(final SelectionKey key)
    {
        if (check.type() == HealthCheckConfig.Type.TCP)
        {
            finish(true, null);
            return;
        }
        request.clear();
        response.clear();
        key.interestOps(SelectionKey.OP_WRITE);
    }

    private boolean statusLineComplete()
    {
        for (int i = 0; i < response.position(); i++)
        {
            if (response.get(i) == '\n')
            {
                return true;
            }
        }
        return false;
    }

    private void judgeResponse()
    {
        // "HTTP/1.x NNN ..."
        final byte[] head = new byte[response.position()];
        response.flip();
        response.get(head);
        final String line = new String(head, StandardCharsets.ISO_8859_1);
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' ')
        {
            finish(false, "not an HTTP response");
            return;
        }
        final int status;
        try
        {
            status = Integer.parseInt(line.substring(9, 12));
        }
        catch (final NumberFormatException ex)
        {
            finish(false, "bad status line");
            return;
        }
        if (status >= check.expectStatusMin() && status <= check.expectStatusMax())
        {
            finish(true, null);
        }
        else
        {
            finish(false, "status " + status);
        }
    }

    private void finish(final boolean passed, final String why)
    {
        localFailureLogged = false;
        loop.counters().increment(peer.stats() + ServerCounters.HEALTH_CHECKS +
            (passed ? ServerCounters.HealthResult.PASS : ServerCounters.HealthResult.FAIL).ordinal());
        loop.cancel(timerId);
        timerId = NO_TIMER;
        loop.closeSoon(channel);
        channel = null;
        // the run of passes or failures lives in the server's state: a reload's new probe continues it
        final PeerState state = peer.state();
        if (passed)
        {
            state.checkFailures = 0;
            final int passes = ++state.checkPasses;
            if (!peer.healthy() && passes >= check.rise())
            {
                peer.healthy(true);
                Log.info("upstream " + groupName + " server " + peer.name() + " is UP (health check: " +
                    passes + " consecutive pass(es))");
            }
        }
        else
        {
            state.checkPasses = 0;
            final int failures = ++state.checkFailures;
            if (peer.healthy() && failures >= check.fall())
            {
                peer.healthy(false);
                Log.warn("upstream " + groupName + " server " + peer.name() + " is DOWN (health check: " +
                    why + ", " + failures + " consecutive failure(s))");
                onDown.accept(peer);
            }
        }
        if (!stopped)
        {
            timerId = loop.schedule(loop.nowNs() + check.intervalNs(), this);
        }
    }

    @Override
    public void onFailure(final Exception ex)
    {
        finish(false, String.valueOf(ex.getMessage()));
    }
}
