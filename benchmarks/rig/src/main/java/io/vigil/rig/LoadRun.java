package io.vigil.rig;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives requests over C connections for a duration and records their latency in HdrHistograms.
 *
 * <p><b>Open loop</b> ({@code rate > 0}, like wrk2): every connection has a schedule of intended send times,
 * {@code C / rate} apart and staggered across connections. One request is outstanding per connection. A
 * request whose intended time passes while the previous one is still out is sent as soon as that one completes,
 * and its latency is measured from its <i>intended</i> time. So a server stall shows in the tail as the users
 * behind it would have seen it, instead of being hidden (coordinated omission). The latency from the actual
 * send is recorded too, to show the difference.
 *
 * <p><b>Closed loop</b> ({@code rate = 0}): each connection sends its next request when the previous response
 * arrives; the rate achieved is the maximum throughput, and latency is from the send.
 *
 * <p>Worker threads each own their connections and a Selector; nothing is shared but counters for progress.
 * The hot path allocates nothing, so the generator's own GC cannot appear as server latency. How late the
 * generator itself sent requests is recorded as send lag, so an overloaded generator is visible.
 */
final class LoadRun
{
    static final long MAX_LATENCY_NS = TimeUnit.MINUTES.toNanos(10);
    private static final long RECONNECT_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long SPIN_BELOW_NS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * What to run.
     *
     * @param target            where to connect.
     * @param rate              requests per second in total; 0 = closed loop (maximum throughput).
     * @param durationNs        measured time.
     * @param warmupNs          load before measuring, not recorded.
     * @param connections       connections held open (or used in turn with newConnectionPerRequest).
     * @param threads           worker threads.
     * @param protocol          request and response framing.
     * @param newConnPerRequest open a connection for each request and close it after (setup cost).
     */
    record Settings(
        InetSocketAddress target,
        double rate,
        long durationNs,
        long warmupNs,
        int connections,
        int threads,
        Protocol protocol,
        boolean newConnPerRequest)
    {
    }

    /**
     * What was measured (merged over workers).
     *
     * @param corrected   latency from the intended send time (open loop) or the send (closed loop), ns.
     * @param uncorrected latency from the actual send, ns.
     * @param sendLag     how late requests were sent against their intended time, ns (open loop).
     * @param completed   responses received in the measured window.
     * @param errors      failed requests: connect failures, resets, invalid or error responses.
     * @param measuredNs  the measured window.
     */
    record Result(
        Histogram corrected, Histogram uncorrected, Histogram sendLag, long completed, long errors, long measuredNs)
    {
        double achievedRate()
        {
            return completed * 1e9 / measuredNs;
        }
    }

    private LoadRun()
    {
    }

    /**
     * Run to completion; progress lines go to {@code progress} once a second.
     *
     * @param settings what to run.
     * @param progress where progress goes, or null.
     * @return the measurements.
     * @throws InterruptedException when interrupted.
     */
    static Result run(final Settings settings, final PrintStream progress) throws InterruptedException
    {
        final long startNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        final long measureFromNs = startNs + settings.warmupNs();
        final long endNs = measureFromNs + settings.durationNs();
        final int threads = Math.max(1, Math.min(settings.threads(), settings.connections()));
        final List<Worker> workers = new ArrayList<>();
        final List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            final Worker worker = new Worker(settings, t, threads, startNs, measureFromNs, endNs);
            workers.add(worker);
            final Thread thread = new Thread(worker, "vigil-bench-" + t);
            thread.setDaemon(true);
            running.add(thread);
            thread.start();
        }
        long lastCompleted = 0;
        Histogram second = null;
        final Histogram secondTotal = newHistogram();
        long nextReport = startNs + TimeUnit.SECONDS.toNanos(1);
        while (running.stream().anyMatch(Thread::isAlive))
        {
            running.get(0).join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextReport - System.nanoTime())));
            final long now = System.nanoTime();
            if (progress != null && now >= nextReport && now < endNs)
            {
                long completed = 0;
                long errors = 0;
                secondTotal.reset();
                for (final Worker worker : workers)
                {
                    completed += worker.progressCompleted.get();
                    errors += worker.progressErrors.get();
                    second = worker.lastSecond.getIntervalHistogram(second);
                    secondTotal.add(second);
                }
                final String phase = now < measureFromNs ? "warm-up" : "measuring";
                // this second's latency (as recorded: from the intended send in open loop), warm-up included
                progress.printf(Locale.ROOT, "  %4ds %-9s %,10d responses  %,9d/s  errors %d  p50 %,d us  p99 %,d us"
                    + "  max %,d us%n", TimeUnit.NANOSECONDS.toSeconds(now - startNs) + 1, phase, completed,
                    completed - lastCompleted, errors, secondTotal.getValueAtPercentile(50) / 1000,
                    secondTotal.getValueAtPercentile(99) / 1000, secondTotal.getMaxValue() / 1000);
                lastCompleted = completed;
                nextReport += TimeUnit.SECONDS.toNanos(1);
            }
            for (final Thread thread : running)
            {
                if (!thread.isAlive())
                {
                    thread.join();
                }
            }
        }
        final Histogram corrected = newHistogram();
        final Histogram uncorrected = newHistogram();
        final Histogram sendLag = newHistogram();
        long completed = 0;
        long errors = 0;
        for (final Worker worker : workers)
        {
            if (worker.failure != null)
            {
                throw new IllegalStateException("worker failed: " + worker.failure, worker.failure);
            }
            corrected.add(worker.corrected);
            uncorrected.add(worker.uncorrected);
            sendLag.add(worker.sendLag);
            completed += worker.completed;
            errors += worker.errors;
        }
        return new Result(corrected, uncorrected, sendLag, completed, errors, endNs - measureFromNs);
    }

    static Histogram newHistogram()
    {
        return new Histogram(1, MAX_LATENCY_NS, 3);
    }

    /** One connection's state, owned by one worker. */
    private static final class Conn
    {
        final int index;
        final ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        final Protocol.ResponseReader reader;
        SocketChannel channel;
        SelectionKey key;
        boolean connected;
        boolean busy;
        long nextIntendedNs;
        long intendedNs;
        long sentNs;
        long retryAtNs;

        Conn(final int index, final Protocol protocol)
        {
            this.index = index;
            this.out = protocol.request();
            this.reader = protocol.newReader();
        }
    }

    /** One thread: its connections, its Selector, its histograms. */
    private static final class Worker implements Runnable
    {
        final Settings settings;
        final long startNs;
        final long measureFromNs;
        final long endNs;
        final boolean openLoop;
        final long intervalNs;
        final List<Conn> conns = new ArrayList<>();
        final Histogram corrected = newHistogram();
        final Histogram uncorrected = newHistogram();
        final Histogram sendLag = newHistogram();
        /** Every response's latency, warm-up included, read and reset by the progress line each second. */
        final Recorder lastSecond = new Recorder(1, MAX_LATENCY_NS, 3);
        final AtomicLong progressCompleted = new AtomicLong();
        final AtomicLong progressErrors = new AtomicLong();
        Selector selector;
        boolean measuring;
        long completed;
        long errors;
        volatile Throwable failure;

        Worker(
            final Settings settings, final int id, final int threads, final long startNs, final long measureFromNs,
            final long endNs)
        {
            this.settings = settings;
            this.startNs = startNs;
            this.measureFromNs = measureFromNs;
            this.endNs = endNs;
            this.openLoop = settings.rate() > 0;
            this.intervalNs = openLoop ? (long)(settings.connections() * 1e9 / settings.rate()) : 0;
            for (int i = id; i < settings.connections(); i += threads)
            {
                final Conn conn = new Conn(i, settings.protocol());
                // stagger: connection i starts i/C of an interval in, so requests are evenly spread
                conn.nextIntendedNs = startNs + (openLoop ? intervalNs * i / settings.connections() : 0);
                conn.retryAtNs = startNs;
                conns.add(conn);
            }
        }

        @Override
        public void run()
        {
            try (Selector s = Selector.open())
            {
                selector = s;
                loop();
            }
            catch (final Throwable ex)
            {
                failure = ex;
            }
            finally
            {
                for (final Conn conn : conns)
                {
                    close(conn);
                }
            }
        }

        private void loop() throws IOException
        {
            while (true)
            {
                long now = System.nanoTime();
                if (now >= endNs)
                {
                    return;
                }
                if (!measuring && now >= measureFromNs)
                {
                    measuring = true;
                    corrected.reset();
                    uncorrected.reset();
                    sendLag.reset();
                    completed = 0;
                    errors = 0;
                }
                long wakeNs = endNs;
                for (int i = 0; i < conns.size(); i++)
                {
                    final Conn conn = conns.get(i);
                    if (conn.channel == null)
                    {
                        if (conn.retryAtNs <= now && (!settings.newConnPerRequest() || due(conn) <= now))
                        {
                            connect(conn, now);
                        }
                        else
                        {
                            wakeNs = Math.min(wakeNs, Math.max(conn.retryAtNs, settings.newConnPerRequest() ?
                                due(conn) : conn.retryAtNs));
                        }
                        continue;
                    }
                    if (conn.connected && !conn.busy)
                    {
                        final long due = due(conn);
                        if (due <= now)
                        {
                            send(conn, now);
                        }
                        else
                        {
                            wakeNs = Math.min(wakeNs, due);
                        }
                    }
                }
                now = System.nanoTime();
                final long waitNs = wakeNs - now;
                if (waitNs >= SPIN_BELOW_NS)
                {
                    selector.select(this::onSelected, Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNs)));
                }
                else
                {
                    selector.selectNow(this::onSelected);
                }
            }
        }

        private long due(final Conn conn)
        {
            return openLoop ? conn.nextIntendedNs : Long.MIN_VALUE;
        }

        private void connect(final Conn conn, final long now)
        {
            try
            {
                final SocketChannel channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                conn.channel = channel;
                conn.connected = channel.connect(settings.target());
                conn.key = channel.register(selector, conn.connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT,
                    conn);
                conn.busy = false;
                conn.reader.reset();
                if (settings.newConnPerRequest() && openLoop)
                {
                    // the request's clock starts before the connect: setup cost is what is measured
                    conn.intendedNs = conn.nextIntendedNs;
                }
                conn.sentNs = now;
            }
            catch (final IOException ex)
            {
                fail(conn, System.nanoTime());
            }
        }

        private void send(final Conn conn, final long now)
        {
            final long intended = openLoop ? conn.nextIntendedNs : now;
            if (!settings.newConnPerRequest() || !openLoop)
            {
                conn.intendedNs = settings.newConnPerRequest() ? conn.sentNs : intended;
            }
            if (openLoop)
            {
                conn.nextIntendedNs += intervalNs;
                if (measuring)
                {
                    sendLag.recordValue(Math.min(Math.max(0, now - intended), MAX_LATENCY_NS));
                }
            }
            if (!settings.newConnPerRequest())
            {
                conn.sentNs = now;
            }
            conn.busy = true;
            conn.out.rewind();
            write(conn);
        }

        private void write(final Conn conn)
        {
            try
            {
                conn.channel.write(conn.out);
                conn.key.interestOps(conn.out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE :
                    SelectionKey.OP_READ);
            }
            catch (final IOException ex)
            {
                fail(conn, System.nanoTime());
            }
        }

        private void onSelected(final SelectionKey key)
        {
            final Conn conn = (Conn)key.attachment();
            if (conn.channel == null || !key.isValid())
            {
                return;
            }
            try
            {
                if (!conn.connected && key.isConnectable())
                {
                    if (conn.channel.finishConnect())
                    {
                        conn.connected = true;
                        key.interestOps(SelectionKey.OP_READ);
                        if (settings.newConnPerRequest())
                        {
                            send(conn, System.nanoTime());
                        }
                    }
                    return;
                }
                if (key.isWritable() && conn.out.hasRemaining())
                {
                    write(conn);
                }
                if (conn.channel != null && key.isReadable())
                {
                    read(conn);
                }
            }
            catch (final IOException ex)
            {
                fail(conn, System.nanoTime());
            }
        }

        private void read(final Conn conn) throws IOException
        {
            while (true)
            {
                conn.in.clear();
                final int n = conn.channel.read(conn.in);
                if (n == 0)
                {
                    return;
                }
                if (n < 0)
                {
                    if (conn.busy && conn.reader.onEof() == Protocol.ResponseReader.DONE)
                    {
                        done(conn, System.nanoTime());
                    }
                    else if (conn.busy)
                    {
                        fail(conn, System.nanoTime());
                        return;
                    }
                    close(conn);
                    conn.retryAtNs = System.nanoTime();
                    return;
                }
                conn.in.flip();
                if (!conn.busy)
                {
                    fail(conn, System.nanoTime()); // bytes nobody asked for
                    return;
                }
                final int state = conn.reader.consume(conn.in);
                if (state == Protocol.ResponseReader.INVALID || state == Protocol.ResponseReader.DONE &&
                    conn.in.hasRemaining())
                {
                    fail(conn, System.nanoTime());
                    return;
                }
                if (state == Protocol.ResponseReader.DONE)
                {
                    done(conn, System.nanoTime());
                    return;
                }
            }
        }

        private void done(final Conn conn, final long now)
        {
            conn.busy = false;
            lastSecond.recordValue(Math.min(now - conn.intendedNs, MAX_LATENCY_NS));
            if (measuring)
            {
                corrected.recordValue(Math.min(now - conn.intendedNs, MAX_LATENCY_NS));
                uncorrected.recordValue(Math.min(now - conn.sentNs, MAX_LATENCY_NS));
                completed++;
                if (!conn.reader.ok())
                {
                    errors++;
                }
                progressErrors.lazySet(errors);
            }
            progressCompleted.lazySet(progressCompleted.get() + 1);
            final boolean closeAfter = conn.reader.closeAfter() || settings.newConnPerRequest();
            conn.reader.reset();
            if (closeAfter)
            {
                close(conn);
                conn.retryAtNs = now;
                return;
            }
            if (due(conn) <= now && now < endNs)
            {
                send(conn, now);
            }
        }

        private void fail(final Conn conn, final long now)
        {
            if (measuring)
            {
                errors++;
                progressErrors.lazySet(errors);
            }
            if (openLoop && conn.busy)
            {
                // the failed request is gone; its slot in the schedule is not given back
                conn.busy = false;
            }
            close(conn);
            conn.retryAtNs = now + RECONNECT_DELAY_NS;
        }

        private void close(final Conn conn)
        {
            if (conn.channel != null)
            {
                try
                {
                    conn.channel.close();
                }
                catch (final IOException ex)
                {
                    // closing anyway
                }
            }
            conn.channel = null;
            conn.key = null;
            conn.connected = false;
            conn.busy = false;
        }
    }
}
