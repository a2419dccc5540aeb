package io.vigil.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Clients of the pod, played by {@link NetnsPeer}: a few workers, each opening one session after another, sending
 * random bytes, half-closing and checking that exactly those bytes come back, as long as the pod is admitted (the
 * way endpoints and a load balancer follow the readiness probe). Bounded in sessions and in time.
 */
final class NetnsLoad
{
    private static final int MAX_SESSIONS = 20_000;
    private static final long MAX_RUN_MS = TimeUnit.MINUTES.toMillis(3);
    private static final int TIMEOUT_MS = 10_000;

    private final InetSocketAddress target;
    private final int bytes;
    private final long pauseMs;
    private final BooleanSupplier admitted;
    private final List<Future<?>> workers = new ArrayList<>();
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger succeeded = new AtomicInteger();
    private final List<String> failures = new ArrayList<>();
    private final AtomicLong lastStartMs = new AtomicLong();
    private final long startMs = System.currentTimeMillis();
    private volatile boolean stopped;

    /**
     * @param target   the pod's listener.
     * @param bytes    per session.
     * @param pauseMs  between sessions of one worker, and between looks at {@code admitted}.
     * @param admitted whether new sessions may be opened now.
     */
    NetnsLoad(final InetSocketAddress target, final int bytes, final long pauseMs, final BooleanSupplier admitted)
    {
        this.target = target;
        this.bytes = bytes;
        this.pauseMs = pauseMs;
        this.admitted = admitted;
    }

    /**
     * @param count   workers.
     * @param threads where they run.
     */
    void start(final int count, final ExecutorService threads)
    {
        for (int i = 0; i < count; i++)
        {
            final long seed = i;
            workers.add(threads.submit(() -> work(new Random(seed))));
        }
    }

    /** @return "ok" and the counts so far: sessions, succeeded, failed, the last start's wall-clock time, failures. */
    String report()
    {
        synchronized (failures)
        {
            return "ok sessions=" + sessions.get() + " succeeded=" + succeeded.get() + " failed=" + failures.size() +
                " last-start=" + lastStartMs.get() + " failures=" + String.join("|", failures);
        }
    }

    /**
     * Opens no more sessions and waits for those under way.
     *
     * @return {@link #report()}.
     * @throws Exception when a worker did not end in time.
     */
    String stop() throws Exception
    {
        stopped = true;
        for (final Future<?> worker : workers)
        {
            worker.get(TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS);
        }
        return report();
    }

    private void work(final Random random)
    {
        final byte[] sent = new byte[bytes];
        while (!stopped && sessions.get() < MAX_SESSIONS && System.currentTimeMillis() - startMs < MAX_RUN_MS)
        {
            if (admitted.getAsBoolean())
            {
                random.nextBytes(sent);
                final long start = System.currentTimeMillis();
                lastStartMs.accumulateAndGet(start, Math::max);
                sessions.incrementAndGet();
                try
                {
                    session(sent);
                    succeeded.incrementAndGet();
                }
                catch (final IOException ex)
                {
                    synchronized (failures)
                    {
                        failures.add("started@" + start + ":" + ex.toString().replace(' ', '_'));
                    }
                }
            }
            try
            {
                Thread.sleep(pauseMs);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void session(final byte[] sent) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(target, TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            final OutputStream out = socket.getOutputStream();
            // the echo comes back while we write: small enough that neither side's buffers fill
            out.write(sent);
            socket.shutdownOutput();
            final byte[] received = socket.getInputStream().readAllBytes();
            if (!Arrays.equals(sent, received))
            {
                throw new IOException("sent " + sent.length + " bytes, got back " + received.length +
                    (received.length == sent.length ? " different ones" : ""));
            }
        }
    }
}
