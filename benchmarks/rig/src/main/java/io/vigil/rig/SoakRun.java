package io.vigil.rig;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * {@code vigil-bench soak}: holds N sessions open through a proxy to a plain echo upstream for a while, with churn
 * (each session lives a random time, then half-closes, reads the rest of its echo to the proxy's FIN, and is
 * replaced) and traffic (each session sends messages of random size at random times and checks every echoed byte).
 * One thread, one Selector; nothing allocated per message. Phases: ramp up to N sessions, hold for the duration
 * (printing "soak: steady" when it starts and "soak: held" when it ends), a tail with the same load, then drain:
 * no new messages or sessions, and every session half-closes as soon as its message is written (its echo may still
 * be in flight, as at the end of any lifetime) and must then read the whole echo before the proxy's FIN. Every
 * phase has a deadline.
 */
final class SoakRun
{
    private static final long TICK_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long STALL_NS = TimeUnit.SECONDS.toNanos(30);
    private static final long CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long RAMP_LIMIT_NS = TimeUnit.SECONDS.toNanos(180);
    private static final long DRAIN_LIMIT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long PROGRESS_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int MAX_CONNECTING = 256;

    /**
     * @param target         the proxy.
     * @param sessions       sessions held open.
     * @param durationNs     the measured hold.
     * @param tailNs         load after the hold, while the caller samples the proxy.
     * @param churnPerSec    sessions closed and replaced per second (sets each session's mean lifetime).
     * @param messagesPerSec messages per second over all sessions.
     * @param maxMessage     largest message; sizes are skewed towards small ones.
     * @param seed           for sizes, times and the bytes sent.
     */
    record Settings(InetSocketAddress target, int sessions, long durationNs, long tailNs, double churnPerSec,
        double messagesPerSec, int maxMessage, long seed)
    {
    }

    private final Settings settings;
    private final PrintStream out;
    private final SoakStats stats = new SoakStats();
    private final SoakPlan plan;
    private final Selector selector;
    private final SoakSession[] live;
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private int liveCount;
    private int connecting;
    private boolean opening = true;
    private boolean traffic = true;
    private boolean churn;

    SoakRun(final Settings settings, final PrintStream out) throws IOException
    {
        this.settings = settings;
        this.out = out;
        this.plan = new SoakPlan(settings);
        this.selector = Selector.open();
        this.live = new SoakSession[settings.sessions() + MAX_CONNECTING];
    }

    /**
     * @return the run's figures.
     * @throws IOException when the selector fails.
     */
    SoakStats run() throws IOException
    {
        final long startNs = System.nanoTime();
        long nextProgressNs = startNs + PROGRESS_NS;
        long steadyNs = 0;
        long drainNs = 0;
        long endNs = Long.MAX_VALUE;
        try
        {
            while (true)
            {
                selector.select(this::onSelected, 10);
                final long now = System.nanoTime();
                if (steadyNs == 0 && liveCount - connecting >= settings.sessions())
                {
                    steadyNs = now;
                    churn = true;
                    stats.rampMs = (now - startNs) / 1_000_000;
                    for (int i = 0; i < liveCount; i++)
                    {
                        live[i].closeAtNs = now + plan.lifetimeNs(true);
                    }
                    out.println("soak: steady, " + liveCount + " sessions after " + stats.rampMs + " ms");
                }
                if (steadyNs == 0 && now - startNs > RAMP_LIMIT_NS)
                {
                    out.println("soak: ramp-up did not reach " + settings.sessions() + " sessions in time");
                    stats.rampFailed = true;
                    steadyNs = now;
                }
                if (steadyNs != 0 && drainNs == 0 && now - steadyNs >= settings.durationNs() && !stats.held)
                {
                    stats.held = true;
                    out.println("soak: held " + settings.durationNs() / 1_000_000_000 + " s");
                }
                if (steadyNs != 0 && drainNs == 0 && now - steadyNs >= settings.durationNs() + settings.tailNs())
                {
                    drainNs = now;
                    endNs = now + DRAIN_LIMIT_NS;
                    opening = false;
                    traffic = false;
                    churn = true; // every idle session now closes
                    out.println("soak: draining " + liveCount + " sessions");
                }
                sweep(now, drainNs != 0);
                if (opening)
                {
                    open(now);
                }
                if (now >= nextProgressNs)
                {
                    nextProgressNs += PROGRESS_NS;
                    out.println("soak: t=" + (now - startNs) / 1_000_000_000 + "s " + stats.line(liveCount));
                }
                if (drainNs != 0 && liveCount == 0 || now > endNs)
                {
                    break;
                }
            }
        }
        finally
        {
            for (int i = liveCount - 1; i >= 0; i--)
            {
                fail(live[i], "left_open_at_end");
            }
            selector.close();
        }
        stats.totalMs = (System.nanoTime() - startNs) / 1_000_000;
        return stats;
    }

    private void open(final long now)
    {
        while (liveCount < settings.sessions() && connecting < MAX_CONNECTING)
        {
            SocketChannel channel = null;
            try
            {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                final SoakSession session = new SoakSession(channel, plan.sessionSeed(), now);
                add(session);
                connecting++;
                stats.opened++;
                session.closeAtNs = now + plan.lifetimeNs(false);
                if (channel.connect(settings.target()))
                {
                    session.key = channel.register(selector, 0, session);
                    connected(session, now);
                }
                else
                {
                    session.key = channel.register(selector, SelectionKey.OP_CONNECT, session);
                }
            }
            catch (final IOException ex)
            {
                stats.count("connect_failed", ex);
                closeQuietly(channel);
                return; // e.g. no ports or descriptors left: try again on the next tick
            }
        }
    }

    private void connected(final SoakSession session, final long now)
    {
        connecting--;
        session.state = SoakSession.IDLE;
        session.progressNs = now;
        session.nextMessageNs = now + plan.thinkNs();
        session.key.interestOps(SelectionKey.OP_READ);
    }

    private void onSelected(final SelectionKey key)
    {
        final SoakSession session = (SoakSession)key.attachment();
        final long now = System.nanoTime();
        try
        {
            if (key.isConnectable())
            {
                session.channel.finishConnect();
                connected(session, now);
                return;
            }
            if (key.isWritable())
            {
                write(session, now);
            }
            if (key.isValid() && key.isReadable())
            {
                read(session, now);
            }
        }
        catch (final IOException ex)
        {
            if (session.state == SoakSession.CONNECTING)
            {
                connecting--;
                stats.count("connect_failed", ex);
            }
            else
            {
                stats.count("reset_or_io_error", ex);
            }
            remove(session);
        }
    }

    private void read(final SoakSession session, final long now) throws IOException
    {
        while (true)
        {
            readBuffer.clear();
            final int n = session.channel.read(readBuffer);
            if (n == 0)
            {
                return;
            }
            if (n < 0)
            {
                onEof(session);
                return;
            }
            readBuffer.flip();
            if (!session.verify(readBuffer))
            {
                fail(session, "echo_mismatch");
                return;
            }
            stats.bytesVerified += n;
            session.progressNs = now;
            if (session.state == SoakSession.AWAITING && session.caughtUp())
            {
                stats.messages++;
                session.state = SoakSession.IDLE;
                session.nextMessageNs = now + plan.thinkNs();
            }
        }
    }

    private void onEof(final SoakSession session)
    {
        if (session.state != SoakSession.CLOSING)
        {
            fail(session, "early_eof");
            return;
        }
        if (!session.caughtUp())
        {
            stats.bytesLost += session.sent - session.verified;
            fail(session, "bytes_lost_at_close");
            return;
        }
        stats.closedClean++;
        remove(session);
    }

    private void write(final SoakSession session, final long now) throws IOException
    {
        while (session.sent < session.messageEnd)
        {
            writeBuffer.clear();
            session.fill(writeBuffer);
            writeBuffer.flip();
            final int n = session.channel.write(writeBuffer);
            if (n == 0)
            {
                session.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                return;
            }
            session.sent += n;
            stats.bytesSent += n;
            session.progressNs = now;
        }
        session.state = SoakSession.AWAITING;
        session.key.interestOps(SelectionKey.OP_READ);
        if (session.caughtUp())
        {
            stats.messages++;
            session.state = SoakSession.IDLE;
            session.nextMessageNs = now + plan.thinkNs();
        }
    }

    /** Timers, stalls and lifetimes, by scanning every session (cheap next to the I/O). */
    private void sweep(final long now, final boolean draining)
    {
        for (int i = liveCount - 1; i >= 0; i--)
        {
            final SoakSession session = live[i];
            try
            {
                switch (session.state)
                {
                    case SoakSession.CONNECTING ->
                    {
                        if (now - session.progressNs > CONNECT_TIMEOUT_NS)
                        {
                            connecting--;
                            fail(session, "connect_timeout");
                        }
                    }
                    case SoakSession.IDLE, SoakSession.AWAITING ->
                    {
                        if (churn && (draining || now >= session.closeAtNs))
                        {
                            // our FIN, possibly with the echo still in flight: the proxy must deliver it all first
                            session.channel.shutdownOutput();
                            session.state = SoakSession.CLOSING;
                            session.progressNs = now;
                        }
                        else if (session.state == SoakSession.IDLE && traffic && now >= session.nextMessageNs)
                        {
                            session.messageEnd = session.sent + plan.messageSize();
                            session.state = SoakSession.SENDING;
                            write(session, now);
                        }
                        else if (!session.caughtUp() && now - session.progressNs > STALL_NS)
                        {
                            fail(session, "echo_stalled");
                        }
                    }
                    default ->
                    {
                        if (now - session.progressNs > STALL_NS)
                        {
                            fail(session, session.state == SoakSession.CLOSING ? "no_fin_after_ours" : "write_stalled");
                        }
                    }
                }
            }
            catch (final IOException ex)
            {
                stats.count("reset_or_io_error", ex);
                remove(session);
            }
        }
    }

    private void fail(final SoakSession session, final String kind)
    {
        stats.count(kind, null);
        remove(session);
    }

    private void add(final SoakSession session)
    {
        session.index = liveCount;
        live[liveCount++] = session;
        stats.peakOpen = Math.max(stats.peakOpen, liveCount);
    }

    private void remove(final SoakSession session)
    {
        if (session.index < 0)
        {
            return;
        }
        final SoakSession last = live[--liveCount];
        live[session.index] = last;
        last.index = session.index;
        live[liveCount] = null;
        session.index = -1;
        if (session.key != null)
        {
            session.key.cancel();
        }
        closeQuietly(session.channel);
    }

    private static void closeQuietly(final SocketChannel channel)
    {
        if (channel == null)
        {
            return;
        }
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            // closing anyway
        }
    }
}
