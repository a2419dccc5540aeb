package io.vigil.session;

import io.vigil.loop.BufferPool;
import io.vigil.loop.EventLoop;
import io.vigil.loop.TimerTarget;
import org.agrona.DeadlineTimerWheel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * What a session reads from its client before it chooses an upstream: a chain of {@link Step}s in wire order (a
 * PROXY protocol header first, then a TLS ClientHello), each with its own deadline, over one borrowed buffer. A
 * step may consume its bytes (a PROXY header is not forwarded) or leave them (a ClientHello is): what is left when
 * the last step is done goes to the upstream first, through the owner. Reading stops as soon as the chain is done,
 * so bytes beyond it stay in the kernel or ride along in the buffer. Owned by the session's loop; the owner routes
 * the client key's readiness here while the preface runs.
 */
public final class Preface implements TimerTarget
{
    /** One thing read before an upstream is chosen. Stateful, one per connection. */
    public interface Step
    {
        /** Not done yet: read more. */
        int MORE = -1;
        /** Close the connection: {@link #refusal()} says why. */
        int REFUSE = -2;

        /** More bytes may come. */
        int OPEN = 0;
        /** The client ended its stream. */
        int EOF = 1;
        /** This step's deadline passed. */
        int TIMED_OUT = 2;
        /** The buffer is full. */
        int FULL = 3;

        /**
         * Look at this step's bytes: all read so far from where the step began (the previous step's consumed bytes
         * are not among them).
         *
         * @param buffer holds them; absolute reads only. Null when nothing was read (then from == to).
         * @param from   the step's first byte.
         * @param to     after the last byte read so far.
         * @param end    {@link #OPEN}, or why no more will come ({@link #EOF}, {@link #TIMED_OUT}, {@link #FULL}).
         * @return {@link #MORE} (only when end is OPEN), {@link #REFUSE}, or how many bytes from {@code from} the
         *         step consumed (not forwarded): 0 to forward all.
         */
        int onBytes(ByteBuffer buffer, int from, int to, int end);

        /**
         * @return how long this step may take from its start.
         */
        long timeoutNs();

        /**
         * @return why the connection is closed after {@link #REFUSE}.
         */
        CloseReason refusal();
    }

    /** Told once how the preface ended. */
    public interface Owner
    {
        /**
         * Every step is done. The owner takes the buffer (null when nothing was read) and forwards bytes
         * {@code [head, tail)} before anything else; the client key's interest ops are 0.
         *
         * @param buffer the bytes read, or null.
         * @param head   first byte to forward.
         * @param tail   after the last byte read.
         * @param eof    the client ended its stream.
         */
        void onPrefaceDone(ByteBuffer buffer, int head, int tail, boolean eof);

        /**
         * A step refused the connection or reading failed; the buffer is already released.
         *
         * @param reason why.
         * @param side   whose doing.
         */
        void onPrefaceFailed(CloseReason reason, Side side);
    }

    private static final long NO_TIMER = DeadlineTimerWheel.NULL_DEADLINE;

    private final Owner owner;
    private final EventLoop loop;
    private final BufferPool buffers;
    private final Step[] steps;
    private SelectionKey key;
    private ByteBuffer buffer;
    private int head;
    private int tail;
    private int current;
    private boolean eof;
    private boolean finished;
    private long timerId = NO_TIMER;
    private long consumed;

    /**
     * @param owner   told how it ended.
     * @param loop    the session's loop.
     * @param buffers the listener's buffers on that loop.
     * @param steps   in wire order; at least one.
     */
    public Preface(final Owner owner, final EventLoop loop, final BufferPool buffers, final Step[] steps)
    {
        this.owner = owner;
        this.loop = loop;
        this.buffers = buffers;
        this.steps = steps;
    }

    /**
     * Start: read what waits, arm the first step's deadline. The outcome may reach the owner before this returns.
     *
     * @param clientKey the client socket's key, registered; its readiness goes to {@link #onReadable}.
     */
    public void start(final SelectionKey clientKey)
    {
        key = clientKey;
        timerId = loop.schedule(loop.nowNs() + steps[0].timeoutNs(), this);
        if (key.interestOps() != SelectionKey.OP_READ)
        {
            key.interestOps(SelectionKey.OP_READ);
        }
        onReadable();
    }

    /**
     * The client socket is readable: read what fits and let the steps look.
     */
    public void onReadable()
    {
        if (finished)
        {
            return;
        }
        if (buffer == null)
        {
            buffer = buffers.acquire();
        }
        final SocketChannel channel = (SocketChannel)key.channel();
        try
        {
            while (tail < buffer.capacity())
            {
                buffer.limit(buffer.capacity()).position(tail);
                final int n = channel.read(buffer);
                if (n < 0)
                {
                    eof = true;
                    break;
                }
                if (n == 0)
                {
                    break;
                }
                tail += n;
            }
        }
        catch (final IOException ex)
        {
            fail(CloseReason.of(ex, false), Side.CLIENT);
            return;
        }
        advance(eof ? Step.EOF : tail == buffer.capacity() ? Step.FULL : Step.OPEN);
    }

    @Override
    public void onTimer(final long firedTimerId, final long nowNs)
    {
        timerId = NO_TIMER;
        if (!finished)
        {
            advance(Step.TIMED_OUT);
        }
    }

    /** Run steps over what is read until one needs more, refuses, or all are done. */
    private void advance(final int end)
    {
        while (current < steps.length)
        {
            final Step step = steps[current];
            final int verdict = buffer == null ? step.onBytes(null, 0, 0, end) : step.onBytes(buffer, head, tail, end);
            if (verdict == Step.MORE && end == Step.OPEN)
            {
                return;
            }
            if (verdict < 0)
            {
                fail(step.refusal(), Side.CLIENT);
                return;
            }
            head += verdict;
            consumed += verdict;
            current++;
            if (current < steps.length)
            {
                loop.cancel(timerId);
                timerId = loop.schedule(loop.nowNs() + steps[current].timeoutNs(), this);
            }
        }
        done();
    }

    private void done()
    {
        finished = true;
        loop.cancel(timerId);
        timerId = NO_TIMER;
        if (key.isValid() && key.interestOps() != 0)
        {
            key.interestOps(0); // client bytes wait in the kernel until the upstream is connected
        }
        final ByteBuffer taken = buffer;
        buffer = null;
        owner.onPrefaceDone(taken, head, tail, eof);
    }

    private void fail(final CloseReason reason, final Side side)
    {
        release();
        owner.onPrefaceFailed(reason, side);
    }

    /**
     * Stop (the session closes): cancel the deadline, give the buffer back. Idempotent.
     */
    public void release()
    {
        finished = true;
        loop.cancel(timerId);
        timerId = NO_TIMER;
        if (buffer != null)
        {
            buffers.release(buffer);
            buffer = null;
        }
    }

    /**
     * @return bytes read from the client so far (those a step consumed included).
     */
    public int bytesRead()
    {
        return tail;
    }

    /**
     * @return bytes steps consumed (not forwarded), e.g. a PROXY protocol header.
     */
    public long bytesConsumed()
    {
        return consumed;
    }
}
