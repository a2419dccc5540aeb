package io.vigil.loop;

import io.vigil.test.Await;
import org.agrona.concurrent.AgentRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A running loop blocks in select until its next deadline and still fires every timer on time: after a cancel
 * of the earliest timer, after sleeping past many wheel ticks, and when a command schedules from another thread.
 */
@Timeout(30)
class EventLoopTest
{
    private EventLoop loop;
    private AgentRunner runner;

    @BeforeEach
    void start()
    {
        loop = new EventLoop(0, 64);
        runner = new AgentRunner(new SelectorIdleStrategy(loop), Throwable::printStackTrace, null, loop);
        AgentRunner.startOnThread(runner);
    }

    @AfterEach
    void stop()
    {
        loop.terminate();
        runner.close();
    }

    /** Schedule on the loop thread; record when each timer fires. */
    private void scheduleIn(final String name, final long delayMs, final Map<String, Long> firedAt,
        final Map<String, Long> ids, final CountDownLatch done)
    {
        loop.execute(() ->
        {
            final long id = loop.schedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs), (t, now) ->
            {
                firedAt.put(name, System.nanoTime());
                done.countDown();
            });
            ids.put(name, id);
        });
    }

    @Test
    void shouldFireTimersOnTimeAfterTheEarliestIsCancelled() throws Exception
    {
        final Map<String, Long> firedAt = new ConcurrentHashMap<>();
        final Map<String, Long> ids = new ConcurrentHashMap<>();
        final CountDownLatch done = new CountDownLatch(2);
        final long start = System.nanoTime();
        scheduleIn("early", 100, firedAt, ids, done);
        scheduleIn("late", 400, firedAt, ids, done);
        scheduleIn("long", 1500, firedAt, ids, done); // past many 16.8 ms ticks of sleep
        final CountDownLatch cancelled = new CountDownLatch(1);
        loop.execute(() ->
        {
            loop.cancel(ids.get("early"));
            cancelled.countDown();
        });
        cancelled.await();
        assertTrue(done.await(5, TimeUnit.SECONDS), "late and long fired: " + firedAt.keySet());
        assertTrue(!firedAt.containsKey("early"), "cancelled timer did not fire");
        final long lateMs = TimeUnit.NANOSECONDS.toMillis(firedAt.get("late") - start);
        final long longMs = TimeUnit.NANOSECONDS.toMillis(firedAt.get("long") - start);
        // generous upper bounds: they prove the loop woke for the deadline, not at some later event
        assertTrue(lateMs >= 400 && lateMs < 1400, "late fired at " + lateMs + "ms");
        assertTrue(longMs >= 1500 && longMs < 2500, "long fired at " + longMs + "ms");
    }

    @Test
    void shouldRunCommandsFromOtherThreadsWhileBlocked() throws Exception
    {
        final AtomicLong ranOn = new AtomicLong();
        final CountDownLatch ran = new CountDownLatch(1);
        Await.until(loop::waiting, Duration.ofSeconds(5), "the loop blocks in select with no timers (no timeout)");
        final long sent = System.nanoTime();
        loop.execute(() ->
        {
            ranOn.set(System.nanoTime());
            ran.countDown();
        });
        assertTrue(ran.await(2, TimeUnit.SECONDS), "the blocked loop was woken for the command");
        assertTrue(TimeUnit.NANOSECONDS.toMillis(ranOn.get() - sent) < 1000, "promptly");
    }

    @Test
    void shouldSeeTheTimeAfterAnIdleWaitWhenIOArrives() throws Exception
    {
        try (java.nio.channels.Pipe.SourceChannel source = pipe.source();
            java.nio.channels.Pipe.SinkChannel sink = pipe.sink())
        {
            source.configureBlocking(false);
            final AtomicLong clockLag = new AtomicLong(-1);
            final CountDownLatch selected = new CountDownLatch(1);
            final CountDownLatch registered = new CountDownLatch(1);
            loop.execute(() ->
            {
                try
                {
                    source.register(loop.selector(), java.nio.channels.SelectionKey.OP_READ, new SelectHandler()
                    {
                        @Override
                        public void onSelect(final java.nio.channels.SelectionKey key)
                        {
                            clockLag.set(System.nanoTime() - loop.nowNs());
                            key.cancel();
                            selected.countDown();
                        }

                        @Override
                        public void onFailure(final Exception ex)
                        {
                        }
                    });
                }
                catch (final java.io.IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
                registered.countDown();
            });
            registered.await();
            Thread.sleep(1500); // the loop sits in select with nothing to do
            sink.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
            assertTrue(selected.await(2, TimeUnit.SECONDS));
            // timers scheduled from nowNs() (connect-timeout, HTTP timeouts) must not start 1.5 s in the past
            assertTrue(TimeUnit.NANOSECONDS.toMillis(clockLag.get()) < 750,
                "loop clock was " + TimeUnit.NANOSECONDS.toMillis(clockLag.get()) + " ms stale after the wait");
        }
    }

    @Test
    void shouldKeepSweepingWhenOneSessionThrows() throws Exception
    {
        final EventLoop sweeping = new EventLoop(1, 64);
        sweeping.sweepEvery(TimeUnit.MILLISECONDS.toNanos(20));
        final AgentRunner sweepRunner = new AgentRunner(new SelectorIdleStrategy(sweeping), Throwable::printStackTrace,
            null, sweeping);
        AgentRunner.startOnThread(sweepRunner);
        try
        {
            final AtomicLong healthySweeps = new AtomicLong();
            final CountDownLatch failed = new CountDownLatch(1);
            sweeping.execute(() ->
            {
                sweeping.add(new ThrowingSession(failed));
                sweeping.add(new LoopSession()
                {
                    @Override
                    public void shutdown()
                    {
                        sweeping.remove(this);
                    }

                    @Override
                    public void onSweep(final long nowNs)
                    {
                        healthySweeps.incrementAndGet();
                    }
                });
            });
            assertTrue(failed.await(5, TimeUnit.SECONDS), "the throwing session was told it failed");
            final long after = healthySweeps.get();
            Await.until(() -> healthySweeps.get() >= after + 5, Duration.ofSeconds(5),
                "the other session is still swept after one threw");
            assertTrue(sweeping.handlerFailures() >= 1);
        }
        finally
        {
            sweeping.terminate();
            sweepRunner.close();
        }
    }

    /** A session whose sweep throws, as a bug would; its failure handler closes it. */
    private static final class ThrowingSession extends LoopSession implements SelectHandler
    {
        private final CountDownLatch failed;

        ThrowingSession(final CountDownLatch failed)
        {
            this.failed = failed;
        }

        @Override
        public void shutdown()
        {
        }

        @Override
        public void onSweep(final long nowNs)
        {
            throw new IllegalStateException("a bug in a timeout check");
        }

        @Override
        public void onSelect(final java.nio.channels.SelectionKey key)
        {
        }

        @Override
        public void onFailure(final Exception ex)
        {
            failed.countDown();
        }
    }

    private final java.nio.channels.Pipe pipe = openPipe();

    private static java.nio.channels.Pipe openPipe()
    {
        try
        {
            return java.nio.channels.Pipe.open();
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void shouldCloseASocketSoonEvenWhenTheLoopWouldOtherwiseBlock() throws Exception
    {
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open())
        {
            server.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            final java.nio.channels.SocketChannel peer = java.nio.channels.SocketChannel.open(server.getLocalAddress());
            final java.nio.channels.SocketChannel accepted = server.accept();
            accepted.configureBlocking(false);
            // closed by a handler the blocking select dispatched, on a loop with no timers and nothing else to do: it
            // must select again at once (not block, forever) so that the deferred close happens
            final SelectHandler closeOnRead = new SelectHandler()
            {
                @Override
                public void onSelect(final java.nio.channels.SelectionKey key)
                {
                    loop.closeSoon(accepted);
                }

                @Override
                public void onFailure(final Exception ex)
                {
                }
            };
            final CountDownLatch registered = new CountDownLatch(1);
            loop.execute(() ->
            {
                try
                {
                    accepted.register(loop.selector(), java.nio.channels.SelectionKey.OP_READ, closeOnRead);
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
                registered.countDown();
            });
            registered.await();
            Await.until(loop::waiting, Duration.ofSeconds(5), "the loop blocks in select");
            peer.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
            peer.socket().setSoTimeout(5000);
            // the byte it sent was never read, so the close resets: either way the peer learns of it, not by timeout
            try
            {
                assertTrue(peer.socket().getInputStream().read() < 0, "the peer saw the FIN");
            }
            catch (final java.net.SocketException ex)
            {
                assertTrue(ex.getMessage().contains("reset"), ex.toString());
            }
            Await.until(() -> !accepted.isOpen(), Duration.ofSeconds(5), "the socket is closed");
            peer.close();
        }
    }
}
