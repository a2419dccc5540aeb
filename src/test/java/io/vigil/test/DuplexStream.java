package io.vigil.test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * One end of a checksummed two-way transfer over a blocking socket: sends {@code sendBytes} pseudo-random bytes
 * then half-closes, while reading everything the other end sends until EOF. Both sides' CRCs and counts are
 * recorded, so a test compares what one end sent with what the other received.
 */
public final class DuplexStream
{
    /** When this end starts sending. */
    public enum Start
    {
        /** Immediately. */
        NOW,
        /** Only after the other end's EOF arrived (proves the reverse direction's half-close got through). */
        AFTER_PEER_EOF
    }

    private final Socket socket;
    private final long sendBytes;
    private final long seed;
    private final Start start;
    private final int readPauseEveryBytes;
    private final CountDownLatch peerEof = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(2);
    /** Bytes written so far. */
    public final AtomicLong sent = new AtomicLong();
    /** Bytes read so far. */
    public final AtomicLong received = new AtomicLong();
    private volatile long sentCrc;
    private volatile long receivedCrc;
    private volatile Throwable failure;
    private volatile boolean readGate = true;

    /**
     * @param socket              a connected socket.
     * @param sendBytes           how much to send.
     * @param seed                seed of the bytes sent.
     * @param start               when to start sending.
     * @param readPauseEveryBytes sleep 1 ms after each this many bytes read (a slow reader); 0 for full speed.
     */
    public DuplexStream(
        final Socket socket, final long sendBytes, final long seed, final Start start, final int readPauseEveryBytes)
    {
        this.socket = socket;
        this.sendBytes = sendBytes;
        this.seed = seed;
        this.start = start;
        this.readPauseEveryBytes = readPauseEveryBytes;
    }

    /**
     * Hold reading until {@link #openReads()} (a reader that stops entirely).
     *
     * @return this.
     */
    public DuplexStream holdReads()
    {
        readGate = false;
        return this;
    }

    /**
     * Let a held reader read.
     */
    public void openReads()
    {
        readGate = true;
    }

    /**
     * @return this, with its reader and writer threads started.
     */
    public DuplexStream start()
    {
        thread(this::readAll, "duplex-read");
        thread(this::writeAll, "duplex-write");
        return this;
    }

    private static void thread(final Runnable body, final String name)
    {
        final Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private void writeAll()
    {
        try
        {
            if (start == Start.AFTER_PEER_EOF)
            {
                peerEof.await();
            }
            final OutputStream out = socket.getOutputStream();
            final SplittableRandom random = new SplittableRandom(seed);
            final byte[] chunk = new byte[64 * 1024];
            final CRC32 crc = new CRC32();
            long remaining = sendBytes;
            while (remaining > 0)
            {
                final int n = (int)Math.min(chunk.length, remaining);
                random.nextBytes(chunk);
                crc.update(chunk, 0, n);
                out.write(chunk, 0, n);
                remaining -= n;
                sent.addAndGet(n);
            }
            sentCrc = crc.getValue();
            socket.shutdownOutput();
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
        finally
        {
            done.countDown();
        }
    }

    private void readAll()
    {
        try
        {
            while (!readGate)
            {
                Thread.sleep(1);
            }
            final InputStream in = socket.getInputStream();
            final byte[] chunk = new byte[readPauseEveryBytes > 0 ? readPauseEveryBytes : 64 * 1024];
            final CRC32 crc = new CRC32();
            int n;
            while ((n = in.read(chunk)) > 0)
            {
                crc.update(chunk, 0, n);
                received.addAndGet(n);
                if (readPauseEveryBytes > 0)
                {
                    Thread.sleep(1);
                }
            }
            receivedCrc = crc.getValue();
            peerEof.countDown();
        }
        catch (final Throwable ex)
        {
            failure = ex;
            peerEof.countDown();
        }
        finally
        {
            done.countDown();
        }
    }

    /**
     * @param timeoutMs how long to wait.
     * @throws Exception when it did not finish in time or failed.
     */
    public void await(final long timeoutMs) throws Exception
    {
        if (!done.await(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS))
        {
            throw new AssertionError("transfer did not finish in " + timeoutMs + "ms: sent " + sent + ", received " +
                received);
        }
        if (failure != null)
        {
            throw new AssertionError("transfer failed", failure);
        }
    }

    /**
     * @return CRC32 of the bytes sent.
     */
    public long sentCrc()
    {
        return sentCrc;
    }

    /**
     * @return CRC32 of the bytes received.
     */
    public long receivedCrc()
    {
        return receivedCrc;
    }
}
