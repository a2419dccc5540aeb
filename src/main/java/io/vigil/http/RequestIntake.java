package io.vigil.http;

import io.vigil.config.HttpListenerConfig;
import io.vigil.http.codec.HttpHead;
import io.vigil.http.codec.HttpMethod;
import io.vigil.http.codec.HttpStatus;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Requests coming in: read the client until a head is complete (or refused), start its exchange (framing,
 * CONNECT and body-size rules, the head rewritten for the upstream, an upstream connection asked for), and keep
 * reading the body while the exchange runs, making room by streaming it through the buffer. Owned by the
 * connection's loop.
 */
final class RequestIntake
{
    private final HttpConnection c;
    private final HttpListenerConfig config;
    private final ClientInput in;
    private final Exchange ex;
    private final UpstreamLease lease;
    private final ResponseRelay response;
    private final RequestForwarder forwarder;
    private final byte[] xForwardedFor;
    private final byte[] forwardedFor;

    RequestIntake(
        final HttpConnection c, final ClientInput in, final Exchange ex, final UpstreamLease lease,
        final ResponseRelay response, final RequestForwarder forwarder)
    {
        this.c = c;
        this.config = c.config();
        this.in = in;
        this.ex = ex;
        this.lease = lease;
        this.response = response;
        this.forwarder = forwarder;
        // the client as the forwarding fields name it, once per connection
        final InetSocketAddress address = c.clientAddress();
        final String ip = address == null ? "unknown" : address.getAddress().getHostAddress();
        this.xForwardedFor = config.addXForwarded() ? ip.getBytes(StandardCharsets.US_ASCII) : null;
        final boolean v6 = address != null && address.getAddress() instanceof Inet6Address;
        this.forwardedFor = config.addForwarded() ?
            (v6 ? "\"[" + ip + "]\"" : ip).getBytes(StandardCharsets.US_ASCII) : null;
    }

    boolean stepWaitHead()
    {
        if (in.end == 0 && c.draining)
        {
            c.close(CloseReason.SHUTDOWN, Side.PROXY);
            return false;
        }
        if (c.moveToNewerGeneration())
        {
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
                c.close(CloseReason.EOF, Side.CLIENT); // closed between requests: the normal end of keep-alive
            }
            else
            {
                in.release();
            }
            return false;
        }
        if (c.headStartNs == 0)
        {
            c.headStartNs = c.nowNs();
        }
        final int result = ex.requestHead.scan(in.buf, in.end);
        if (result == HttpHead.NEED_MORE)
        {
            if (in.eof)
            {
                c.close(CloseReason.EOF, Side.CLIENT); // a partial head and no more coming
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
    int readClient()
    {
        final int n = in.read(c.nowNs());
        if (n == ClientInput.FAILED)
        {
            c.close(CloseReason.of(in.failure, c.idleKeepAlive(Side.CLIENT)), Side.CLIENT);
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
        c.respondError(refusal, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
    }

    private void beginExchange()
    {
        c.phase = HttpConnection.EXCHANGE;
        ex.begin(c.nowNs(), in.buf);
        lease.reset();
        response.reset();
        in.pos = 0;
        in.scanned = 0;
    }

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
            c.respondError(HttpStatus.METHOD_NOT_ALLOWED, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return;
        }
        if (config.clientMaxBodySize() > 0 && contentLength > config.clientMaxBodySize())
        {
            in.scanned = in.end;
            c.respondError(HttpStatus.CONTENT_TOO_LARGE, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return;
        }
        if (!forwarder.advanceBody())
        {
            return;
        }
        if (!forwarder.writeHead(c.upstreamConfig().keepaliveIdle() > 0, xForwardedFor, forwardedFor))
        {
            in.scanned = in.end;
            c.respondError(HttpStatus.HEADERS_TOO_LARGE, false, CloseReason.PROTOCOL_ERROR, Side.CLIENT);
            return;
        }
        ex.replayable = true;
        lease.acquire();
    }

    boolean readClientDuringExchange()
    {
        if (in.eof)
        {
            // a pipelined request cut short by the FIN read during an earlier exchange: no more body can come
            return endedInsideBody();
        }
        if (!in.readable)
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
            endedInsideBody();
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

    /** @return true when the client's FIN came in the middle of the request body: then the connection closed. */
    private boolean endedInsideBody()
    {
        if (ex.requestBody.complete() || ex.generated)
        {
            return false;
        }
        c.close(CloseReason.EOF, Side.CLIENT); // the client gave up in the middle of its request body
        return true;
    }
}
