package io.vigil.test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that writes without end (after an optional head) and never reads, counting what the kernel took, on a
 * daemon thread: the peer that fills every buffer between it and the far end. {@link #stalled()} is the probe of
 * "no progress", for {@link Await}.
 */
public final class EndlessWriter
{
    private static final long PROBE_MS = 500;
    private final AtomicLong sent = new AtomicLong();

    /**
     * @param client the socket to write to; closing it ends the writer.
     * @param head   bytes written once first (e.g. a request head), or an empty array.
     * @return the started writer.
     */
    public static EndlessWriter start(final Socket client, final byte[] head)
    {
        final EndlessWriter writer = new EndlessWriter();
        final Thread thread = new Thread(() -> writer.write(client, head), "endless-writer");
        thread.setDaemon(true);
        thread.start();
        return writer;
    }

    /**
     * @return bytes the kernel took so far.
     */
    public long sent()
    {
        return sent.get();
    }

    /**
     * @return true when something was written and nothing more over half a second (a probe, polled by Await).
     */
    public boolean stalled()
    {
        final long before = sent.get();
        try
        {
            Thread.sleep(PROBE_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
        return before > 0 && sent.get() == before;
    }

    private void write(final Socket client, final byte[] head)
    {
        try
        {
            final OutputStream out = client.getOutputStream();
            out.write(head);
            final byte[] chunk = new byte[16 * 1024];
            while (true)
            {
                out.write(chunk);
                sent.addAndGet(chunk.length);
            }
        }
        catch (final IOException closed)
        {
            // the test (or Vigil) closed it
        }
    }
}
