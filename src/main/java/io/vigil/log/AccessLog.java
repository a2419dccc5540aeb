package io.vigil.log;

import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log: loops write finished lines into one lock-free ring ({@link ManyToOneRingBuffer}) and a
 * writer thread copies them to the output, so no loop ever blocks on stdout or on a lock another loop holds.
 * When the ring is full a line is dropped and counted rather than stalling traffic.
 *
 * <p>The writer shares the proxy's cores, so when the ring is empty it sleeps {@link #IDLE_PARK_NS} rather than
 * polling (a 5 ms poll cost ~440 futex calls a second with the log off); a loop wakes it early only when the ring
 * fills past a quarter while it sleeps, so a busy log is drained in time and a quiet one costs no syscall per line.
 */
public final class AccessLog implements AutoCloseable
{
    private static final int MSG_LINE = 1;
    private static final int RING_BYTES = 1 << 20;
    /** How long the writer sleeps on an empty ring: how late a line may reach the output when traffic is light. */
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int WAKE_AT_BYTES = RING_BYTES / 4;

    private final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(new UnsafeBuffer(
        ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    private final AtomicLong dropped = new AtomicLong();
    private final OutputStream out;
    private final AgentRunner runner;
    private volatile Thread parkedWriter;

    /**
     * @param out where lines go (stdout in production); written only by the writer thread.
     */
    public AccessLog(final OutputStream out)
    {
        this.out = out;
        this.runner = new AgentRunner(new ParkWhenEmpty(), Throwable::printStackTrace, null, new Writer());
        AgentRunner.startOnThread(runner);
    }

    /**
     * @return a formatter for one loop's use.
     */
    public LogLine newLine()
    {
        return new LogLine(this);
    }

    boolean offer(final UnsafeBuffer line, final int length)
    {
        if (!ring.write(MSG_LINE, line, 0, length))
        {
            dropped.incrementAndGet();
            return false;
        }
        final Thread writer = parkedWriter;
        if (writer != null && ring.size() > WAKE_AT_BYTES)
        {
            parkedWriter = null;
            LockSupport.unpark(writer);
        }
        return true;
    }

    /**
     * @return lines dropped because the ring was full.
     */
    public long dropped()
    {
        return dropped.get();
    }

    /**
     * Write what is queued and stop the writer.
     */
    @Override
    public void close()
    {
        runner.close();
    }

    /** Sleeps between empty reads; {@link #offer} wakes it when lines pile up. */
    private final class ParkWhenEmpty implements IdleStrategy
    {
        @Override
        public void idle(final int workCount)
        {
            if (workCount <= 0)
            {
                idle();
            }
        }

        @Override
        public void idle()
        {
            parkedWriter = Thread.currentThread();
            if (ring.size() <= WAKE_AT_BYTES) // a loop may have filled it before seeing us parked
            {
                LockSupport.parkNanos(this, IDLE_PARK_NS);
            }
            parkedWriter = null;
        }

        @Override
        public void reset()
        {
        }

        @Override
        public String alias()
        {
            return "park-when-empty";
        }
    }

    private final class Writer implements org.agrona.concurrent.Agent, MessageHandler
    {
        private final byte[] chunk = new byte[8192];

        @Override
        public int doWork() throws IOException
        {
            final int lines = ring.read(this, 256);
            if (lines > 0)
            {
                out.flush();
            }
            return lines;
        }

        @Override
        public void onMessage(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index,
            final int length)
        {
            try
            {
                int offset = 0;
                while (offset < length)
                {
                    final int n = Math.min(chunk.length, length - offset);
                    buffer.getBytes(index + offset, chunk, 0, n);
                    out.write(chunk, 0, n);
                    offset += n;
                }
            }
            catch (final IOException ex)
            {
                dropped.incrementAndGet();
            }
        }

        @Override
        public void onClose()
        {
            try
            {
                while (ring.read(this) > 0)
                {
                    // drain what loops wrote before shutdown
                }
                out.flush();
            }
            catch (final IOException ex)
            {
                // nothing left to tell
            }
        }

        @Override
        public String roleName()
        {
            return "vigil-access-log";
        }
    }
}
