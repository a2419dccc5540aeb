package io.vigil.session;

import io.vigil.loop.BufferPool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One direction of a session: bytes read from {@code src} wait in a borrowed buffer until written to
 * {@code dst} (a tcp session's two directions, and an HTTP session once it switched protocols). Bytes are always
 * read at {@code tail} and written from {@code head}; when all are written the
 * buffer goes back to the pool, so an idle direction holds no memory. Owned by one loop.
 */
public final class Flow
{
    public static final int IDLE = 0;
    public static final int MOVED = 1;
    /** {@link #pump} result: reading src failed; see {@link #failure}. */
    public static final int SRC_FAILED = -1;
    /** {@link #pump} result: writing dst failed; see {@link #failure}. */
    public static final int DST_FAILED = -2;

    public SocketChannel src;
    public SocketChannel dst;
    public ByteBuffer buffer;
    public int head;
    public int tail;
    /** src may have bytes (or EOF, or an error) to read. */
    public boolean readReady;
    /** dst may take more bytes. */
    public boolean writeReady = true;
    /** src sent FIN. */
    public boolean srcEof;
    /** src ended and every byte read before its FIN reached dst; the FIN too when {@link #halfClose}. */
    public boolean dstShut;
    /**
     * Forward src's FIN as a half-close (shutdown of dst's output). False: the relay closes both sockets instead
     * once this direction has delivered everything (the listener's half-close = off).
     */
    public boolean halfClose = true;
    /**
     * The other direction finished already, so the relay closes both sockets in the step where this one finishes:
     * close() then sends dst's FIN (after every queued byte), and a shutdown of its own would be one syscall more.
     * Safe from a reset: dst's peer ended its stream first and its FIN was read, so nothing is left unread on dst.
     */
    public boolean closeFollows;
    /** Bytes read from src. */
    public long bytes;
    /** Bytes written to dst. */
    public long sent;
    /** Whether anything was ever written to dst, and when last (the pump's clock). */
    public boolean wrote;
    public long lastWriteNs;
    /** When dst last took bytes, or bytes began to wait for it: the start of any write stall (pump's clock). */
    public long stallStartNs;
    /** Why the last {@link #pump} failed. */
    public IOException failure;

    public boolean pending()
    {
        return head < tail;
    }

    /**
     * @return true while reading from src is possible and has room.
     */
    public boolean wantsRead(final int capacity)
    {
        return !srcEof && tail < capacity;
    }

    /**
     * @return true once src has ended and everything (and the FIN, with {@link #halfClose}) reached dst.
     */
    public boolean finished()
    {
        return dstShut;
    }

    /**
     * @return true when src has nothing waiting: the last read found it drained and no byte waits for dst.
     */
    public boolean quiet()
    {
        return !readReady && head == tail;
    }

    /**
     * @return true when nothing was ever read from src and no read is pending: whether it is quiet is unknown.
     */
    public boolean neverRead()
    {
        return bytes == 0 && !srcEof && !readReady;
    }

    /**
     * Forward, late, the FIN that half-close off kept back: the relay goes on as with half-close on.
     *
     * @throws IOException from the shutdown: a failure of the dst side.
     */
    public void forwardFin() throws IOException
    {
        halfClose = true;
        if (dstShut)
        {
            dst.shutdownOutput();
        }
    }

    /**
     * Read from src into the free part of the buffer.
     *
     * @return {@link #MOVED} when bytes or EOF arrived, {@link #IDLE} otherwise.
     * @throws IOException from the read: a failure of the src side.
     */
    public int read(final BufferPool pool) throws IOException
    {
        if (!readReady || srcEof)
        {
            return IDLE;
        }
        if (buffer == null)
        {
            buffer = pool.acquire();
        }
        final ByteBuffer b = buffer;
        if (tail == b.capacity())
        {
            return IDLE;
        }
        b.limit(b.capacity()).position(tail);
        final int room = b.remaining();
        final int n = src.read(b);
        if (n < 0)
        {
            srcEof = true;
            readReady = false;
            return MOVED;
        }
        if (n < room)
        {
            // the socket is drained; the selector says when more comes
            readReady = false;
        }
        if (n == 0)
        {
            return IDLE;
        }
        tail += n;
        bytes += n;
        return MOVED;
    }

    /**
     * Write pending bytes to dst, and forward EOF once all are written.
     *
     * @return {@link #MOVED} when bytes (or the FIN) went out, {@link #IDLE} otherwise.
     * @throws IOException from the write or shutdown: a failure of the dst side.
     */
    public int write(final long nowNs) throws IOException
    {
        int result = IDLE;
        if (head < tail && writeReady)
        {
            final ByteBuffer b = buffer;
            b.limit(tail).position(head);
            final int n = dst.write(b);
            head += n;
            if (head < tail)
            {
                writeReady = false;
            }
            else
            {
                head = 0;
                tail = 0;
            }
            if (n > 0)
            {
                result = MOVED;
                stallStartNs = nowNs;
                sent += n;
                wrote = true;
                lastWriteNs = nowNs;
            }
        }
        if (srcEof && head == tail && !dstShut)
        {
            dstShut = true;
            if (halfClose && !closeFollows)
            {
                // the peer learns the stream ended, the other direction keeps flowing
                dst.shutdownOutput();
            }
            result = MOVED;
        }
        return result;
    }

    /**
     * Move bytes from src to dst until neither moves (or this direction finished), then give the buffer back if
     * it is empty: one relay step.
     *
     * @param pool  the loop's buffers.
     * @param nowNs the loop's clock.
     * @return {@link #MOVED} when bytes or EOF moved, {@link #IDLE} when nothing did, or {@link #SRC_FAILED} /
     *         {@link #DST_FAILED} with {@link #failure} set.
     */
    public int pump(final BufferPool pool, final long nowNs)
    {
        final int capacity = pool.bufferSize();
        int result = IDLE;
        int moved;
        // One handler for both sides' failures, the side named by a local: C2 compiles a handler no exception has
        // reached yet as a trap, and a second handler would be a second such trap (a read's reset ends a request/
        // response burst, a write's ends a bulk transfer: each first one threw the relay's compiled code away).
        int failing = SRC_FAILED;
        try
        {
            do
            {
                moved = 0;
                failing = SRC_FAILED;
                if (wantsRead(capacity))
                {
                    final boolean wasEmpty = head == tail;
                    moved += read(pool);
                    if (wasEmpty && head < tail)
                    {
                        stallStartNs = nowNs;
                    }
                }
                failing = DST_FAILED;
                moved += write(nowNs);
                if (moved != 0)
                {
                    result = MOVED;
                }
            }
            while (moved != 0 && !finished());
        }
        catch (final IOException ex)
        {
            failure = ex;
            return failing;
        }
        releaseIfEmpty(pool);
        return result;
    }

    /**
     * Whether dst may still have bytes from us that its peer never acknowledged: some wait in our buffer, or the
     * last write is younger than the keepalive budget (keepalive cannot have fired since; the kernel only probes
     * a connection that was idle that long). Then an ETIMEDOUT on dst is a retransmission timeout.
     *
     * @param nowNs             the loop's clock.
     * @param keepAliveBudgetNs dst's idle + intvl x cnt.
     * @return true when data may be in flight to dst.
     */
    public boolean dataInFlight(final long nowNs, final long keepAliveBudgetNs)
    {
        return pending() || wrote && nowNs - lastWriteNs < keepAliveBudgetNs;
    }

    /**
     * @param nowNs   the loop's clock.
     * @param limitNs the longest a write may stall.
     * @return true when bytes have waited for dst with no write progress for at least {@code limitNs}.
     */
    public boolean writeStalled(final long nowNs, final long limitNs)
    {
        return head < tail && nowNs - stallStartNs >= limitNs;
    }

    /**
     * Give the buffer back when nothing is waiting in it.
     */
    public void releaseIfEmpty(final BufferPool pool)
    {
        if (buffer != null && head == tail)
        {
            pool.release(buffer);
            buffer = null;
            head = 0;
            tail = 0;
        }
    }

    public void release(final BufferPool pool)
    {
        if (buffer != null)
        {
            pool.release(buffer);
            buffer = null;
        }
        head = 0;
        tail = 0;
    }
}
