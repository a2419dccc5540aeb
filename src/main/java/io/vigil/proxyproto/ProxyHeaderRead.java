package io.vigil.proxyproto;

import io.vigil.loop.BufferUnavailable;
import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopSession;
import io.vigil.loop.SelectHandler;
import io.vigil.loop.TimerTarget;
import io.vigil.session.Downstream;
import io.vigil.session.ListenerShard;
import io.vigil.session.SessionStarter;
import io.vigil.stats.RejectReason;
import org.agrona.CloseHelper;
import org.agrona.DeadlineTimerWheel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;

/**
 * Reads one connection's PROXY header on its loop, without blocking: never more bytes than
 * {@link ProxyHeaderParser#maxRead()} allows, so the client's stream starts exactly where the header ends and
 * stays in the kernel for the session. Reads go through one of the loop's pooled buffers, borrowed for the call.
 * Counted as open on its shard while it waits (a reload keeps its generation alive), closed by shutdown, refused
 * (and counted by reason) when the header is invalid, the peer closes first, or it is not complete in time.
 */
final class ProxyHeaderRead extends LoopSession implements SelectHandler, TimerTarget
{
    private final ListenerShard shard;
    private final EventLoop loop;
    private final Downstream client;
    private final SessionStarter next;
    private final long timeoutNs;
    private final ProxyHeaderParser parser = new ProxyHeaderParser();
    private long timerId = DeadlineTimerWheel.NULL_DEADLINE;
    private boolean ended;

    ProxyHeaderRead(final ListenerShard shard, final Downstream client, final SessionStarter next, final long timeoutNs)
    {
        this.shard = shard;
        this.loop = shard.loop();
        this.client = client;
        this.next = next;
        this.timeoutNs = timeoutNs;
    }

    void begin()
    {
        loop.add(this);
        shard.sessionStarted();
        try
        {
            client.channel().register(loop.selector(), SelectionKey.OP_READ, this);
        }
        catch (final IOException | RuntimeException ex)
        {
            refuse(RejectReason.PROXY_CLOSED);
            return;
        }
        timerId = loop.schedule(loop.nowNs() + timeoutNs, this);
        read(); // the header may already be waiting
    }

    @Override
    public void onSelect(final SelectionKey key)
    {
        read();
    }

    private void read()
    {
        final ByteBuffer buffer;
        try
        {
            buffer = shard.buffers().acquire();
        }
        catch (final BufferUnavailable ex)
        {
            shard.buffers().budget().rejectedConnection(shard.listener().name());
            refuse(RejectReason.BUFFER_MEMORY); // thrown from here it would reach the acceptor, called from begin()
            return;
        }
        boolean closed = false;
        try
        {
            while (parser.status() == ProxyHeaderParser.NEED_MORE)
            {
                buffer.clear().limit(Math.min(parser.maxRead(), buffer.capacity()));
                final int n = client.channel().read(buffer);
                if (n <= 0)
                {
                    closed = n < 0;
                    break; // n == 0: the selector says when more comes
                }
                buffer.flip();
                parser.feed(buffer);
            }
        }
        catch (final IOException ex)
        {
            closed = true;
        }
        finally
        {
            shard.buffers().release(buffer);
        }
        if (parser.status() == ProxyHeaderParser.DONE)
        {
            startSession();
        }
        else if (parser.status() == ProxyHeaderParser.INVALID)
        {
            refuse(RejectReason.PROXY_INVALID);
        }
        else if (closed)
        {
            refuse(RejectReason.PROXY_CLOSED);
        }
    }

    private void startSession()
    {
        leave();
        final InetSocketAddress source = parser.sourceAddress();
        if (source != null)
        {
            client.address(source); // LOCAL, UNKNOWN: the socket's own address stays
        }
        next.start(shard, client); // it registers the same channel again, replacing this handler
    }

    private void refuse(final RejectReason reason)
    {
        if (!ended)
        {
            leave();
            loop.closeSoon(client.channel()); // registered here: after the next select, then acceptors are told
            shard.onRejected(reason.ordinal());
        }
    }

    private void leave()
    {
        ended = true;
        loop.cancel(timerId);
        timerId = DeadlineTimerWheel.NULL_DEADLINE;
        loop.remove(this);
        shard.sessionEnded();
    }

    @Override
    public void onTimer(final long timerId, final long nowNs)
    {
        if (timerId == this.timerId)
        {
            this.timerId = DeadlineTimerWheel.NULL_DEADLINE;
            refuse(RejectReason.PROXY_TIMEOUT);
        }
    }

    @Override
    public void onFailure(final Exception ex)
    {
        refuse(RejectReason.PROXY_CLOSED);
    }

    @Override
    public void shutdown()
    {
        if (!ended)
        {
            leave();
            CloseHelper.quietClose(client.channel());
        }
    }
}
