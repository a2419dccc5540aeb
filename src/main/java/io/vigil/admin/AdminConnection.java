package io.vigil.admin;

import io.vigil.http.codec.HttpHead;
import io.vigil.log.Log;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopSession;
import io.vigil.loop.SelectHandler;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One admin client on the admin listener's own loop: read one request head (at most 8 KiB, within 5 s), answer
 * it, write the answer without blocking (within 10 s: a client that does not read is dropped), half-close, read
 * and drop until the client closes (at most 2 s), close. One request per connection. Bounded in time and memory
 * whatever the client does, so a slow or hostile client cannot stall the admin loop or the data loops.
 */
final class AdminConnection extends LoopSession implements SelectHandler
{
    static final int MAX_HEAD = 8 * 1024;
    private static final long HEAD_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long WRITE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long LINGER_NS = TimeUnit.SECONDS.toNanos(2);
    private static final int READ_HEAD = 0;
    private static final int WRITE = 1;
    private static final int LINGER = 2;
    private static final int CLOSED = 3;
    /** A state change (reload) runs elsewhere; its answer comes back through the loop's command queue. */
    private static final int AWAIT_ANSWER = 4;

    private final EventLoop loop;
    private final SocketChannel channel;
    private final AdminRoutes routes;
    private final RequestBuffers buffers;
    private final ByteBuffer in;
    private final HttpHead head;
    private final long startNs;
    private SelectionKey key;
    private ByteBuffer out;
    private int phase = READ_HEAD;
    private long phaseStartNs;

    /**
     * @param loop     the admin loop.
     * @param channel  the accepted client.
     * @param routes   what answers.
     * @param buffers  the request-head buffers this connection uses until it closes, then gives back.
     */
    AdminConnection(final EventLoop loop, final SocketChannel channel, final AdminRoutes routes,
        final RequestBuffers buffers)
    {
        this.loop = loop;
        this.channel = channel;
        this.routes = routes;
        this.buffers = buffers;
        this.in = buffers.in();
        this.head = buffers.head();
        this.startNs = loop.nowNs();
        this.phaseStartNs = startNs;
    }

    void start() throws IOException
    {
        loop.add(this);
        key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
    }

    @Override
    public void onSelect(final SelectionKey selected)
    {
        try
        {
            switch (phase)
            {
                case READ_HEAD -> readHead();
                case WRITE -> write();
                case LINGER -> linger();
                default ->
                {
                }
            }
        }
        catch (final IOException ex)
        {
            close();
        }
    }

    private void readHead() throws IOException
    {
        final int n = channel.read(in);
        if (n < 0)
        {
            close();
            return;
        }
        final int result = head.scan(in, in.position());
        if (result == HttpHead.NEED_MORE)
        {
            if (!in.hasRemaining())
            {
                respond(AdminResponse.text(431, "request head too large\n"), false);
            }
            return;
        }
        if (result == HttpHead.ERROR)
        {
            respond(AdminResponse.text(head.error().code(), head.error().reason() + "\n"), false);
            return;
        }
        final String method = ascii(head.startLineStart(), methodEnd());
        final String target = ascii(head.targetStart(), head.targetEnd());
        final InetSocketAddress peer = (InetSocketAddress)channel.getRemoteAddress();
        final boolean headOnly = method.equals("HEAD");
        CompletableFuture<AdminResponse> answer;
        try
        {
            answer = routes.answer(AdminRequest.of(method, target, header("accept"), peer.getAddress()));
        }
        catch (final IOException | RuntimeException ex)
        {
            Log.error("admin: " + method + " " + target + " failed", ex);
            answer = CompletableFuture.completedFuture(AdminResponse.text(500, "internal error\n"));
        }
        if (answer.isDone())
        {
            respond(answer.getNow(null), headOnly);
            return;
        }
        phase = AWAIT_ANSWER;
        key.interestOps(0);
        answer.whenComplete((response, failure) -> loop.executeControl(() ->
            answered(failure == null ? response : AdminResponse.text(500, String.valueOf(failure) + "\n"), headOnly)));
    }

    private void answered(final AdminResponse response, final boolean headOnly)
    {
        if (phase != AWAIT_ANSWER)
        {
            return; // closed meanwhile (admin stopping)
        }
        try
        {
            respond(response, headOnly);
        }
        catch (final IOException ex)
        {
            close();
        }
    }

    private int methodEnd()
    {
        return head.targetStart() - 1;
    }

    private String header(final String lowerCaseName)
    {
        for (int i = 0; i < head.fieldCount(); i++)
        {
            final String name = ascii(head.fieldNameStart(i), head.fieldNameEnd(i));
            if (name.toLowerCase(Locale.ROOT).equals(lowerCaseName))
            {
                return ascii(head.fieldValueStart(i), head.fieldValueEnd(i));
            }
        }
        return null;
    }

    private String ascii(final int from, final int to)
    {
        final byte[] bytes = new byte[Math.max(0, to - from)];
        in.get(from, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private void respond(final AdminResponse response, final boolean headOnly) throws IOException
    {
        final ByteBuffer headBytes = ByteBuffer.wrap(("HTTP/1.1 " + response.status() + " " +
            reason(response.status()) + "\r\n" +
            "Content-Type: " + response.contentType() + "\r\n" +
            "Content-Length: " + response.length() + "\r\n" +
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        final ByteBuffer body = ByteBuffer.wrap(response.body(), 0, headOnly ? 0 : response.length());
        phase = WRITE;
        phaseStartNs = loop.nowNs();
        // the body may be the metrics renderer's reused buffer, valid only now: write what the socket takes at
        // once (all of it, usually) and keep a copy of the rest for a client that reads slowly
        channel.write(new ByteBuffer[] {headBytes, body});
        if (headBytes.hasRemaining() || body.hasRemaining())
        {
            out = ByteBuffer.allocate(headBytes.remaining() + body.remaining());
            out.put(headBytes).put(body).flip();
            key.interestOps(SelectionKey.OP_WRITE);
            return;
        }
        written();
    }

    private void write() throws IOException
    {
        channel.write(out);
        if (out.hasRemaining())
        {
            return;
        }
        out = null;
        written();
    }

    private void written() throws IOException
    {
        // half-close and read until the client closes: closing with unread input would reset the connection and
        // could cost the client the end of the answer
        channel.shutdownOutput();
        phase = LINGER;
        phaseStartNs = loop.nowNs();
        in.clear();
        key.interestOps(SelectionKey.OP_READ);
    }

    private void linger() throws IOException
    {
        in.clear();
        if (channel.read(in) < 0)
        {
            close();
        }
    }

    @Override
    public void onSweep(final long nowNs)
    {
        if (phase == AWAIT_ANSWER)
        {
            return; // bounded by whoever answers (a reload's answer times out on its own)
        }
        final long limit = phase == READ_HEAD ? HEAD_TIMEOUT_NS : phase == WRITE ? WRITE_TIMEOUT_NS : LINGER_NS;
        if (nowNs - phaseStartNs >= limit)
        {
            close();
        }
    }

    @Override
    public void onFailure(final Exception ex)
    {
        close();
    }

    @Override
    public void shutdown()
    {
        close();
    }

    void close()
    {
        if (phase == CLOSED)
        {
            return;
        }
        phase = CLOSED;
        CloseHelper.quietClose(channel);
        loop.remove(this);
        buffers.release();
    }

    private static String reason(final int status)
    {
        return switch (status)
        {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 414 -> "URI Too Long";
            case 431 -> "Request Header Fields Too Large";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
