package io.vigil.upstream;

import io.vigil.config.ConfigLoader;
import io.vigil.loop.EventLoop;
import io.vigil.loop.SelectorIdleStrategy;
import io.vigil.stats.StatsLayout;
import io.vigil.test.Await;
import io.vigil.test.TestUpstream;
import org.agrona.concurrent.AgentRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idle-connection pool on a running loop with real upstream sockets: reuse by peer, eviction when the
 * upstream closes, idle and server Keep-Alive timeouts, capacity and per-connection limits.
 */
@Timeout(30)
class ConnectionPoolTest
{
    private EventLoop loop;
    private AgentRunner runner;
    private TestUpstream serverA;
    private TestUpstream serverB;
    private Peer peerA;
    private Peer peerB;
    private int stats;

    @BeforeEach
    void start() throws Exception
    {
        loop = new EventLoop(0, 64);
        runner = new AgentRunner(new SelectorIdleStrategy(loop), Throwable::printStackTrace, null, loop);
        AgentRunner.startOnThread(runner);
        serverA = TestUpstream.loopback(TestUpstream.Mode.HOLD);
        serverB = TestUpstream.loopback(TestUpstream.Mode.HOLD);
        final UpstreamGroup group = new UpstreamGroup(ConfigLoader.parse("vigil { listeners = [{ name = a, " +
            "listen = \"127.0.0.1:0\", upstream = u }], upstreams { u { servers = [\"" + serverA.hostPort() +
            "\", \"" + serverB.hostPort() + "\"] } } }", "test").upstreams().get("u"), true, new AtomicLong(),
                new StatsLayout());
        stats = group.stats();
        peerA = group.peers()[0];
        peerB = group.peers()[1];
    }

    @AfterEach
    void stop() throws Exception
    {
        loop.terminate();
        runner.close();
        serverA.close();
        serverB.close();
    }

    private <T> T onLoop(final Supplier<T> action) throws Exception
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() ->
        {
            try
            {
                result.complete(action.get());
            }
            catch (final RuntimeException ex)
            {
                result.completeExceptionally(ex);
            }
        });
        return result.get(5, TimeUnit.SECONDS);
    }

    /** A pool counter read on the loop thread, which owns it. */
    private long stat(final Supplier<Long> counter)
    {
        try
        {
            return onLoop(counter);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** A connection to {@code peer} registered on the loop, as an HTTP session would have after an exchange. */
    private PooledConnection connect(final ConnectionPool pool, final Peer peer) throws Exception
    {
        final SocketChannel channel = SocketChannel.open(peer.address());
        channel.configureBlocking(false);
        return onLoop(() ->
        {
            try
            {
                final SelectionKey key = channel.register(loop.selector(), 0, null);
                return pool.track(channel, key, peer);
            }
            catch (final java.io.IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        });
    }

    @Test
    void shouldHandBackAnIdleConnectionToTheSamePeerOnly() throws Exception
    {
        final ConnectionPool pool = new ConnectionPool(loop, 8, TimeUnit.SECONDS.toNanos(60), 100,
            TimeUnit.HOURS.toNanos(1), stats);
        final PooledConnection c = connect(pool, peerA);
        assertTrue(onLoop(() -> pool.release(c, 0)));
        assertNull(onLoop(() -> pool.acquire(peerB)), "nothing idle to b");
        assertSame(c, onLoop(() -> pool.acquire(peerA)), "the idle connection to a");
        assertNull(onLoop(() -> pool.acquire(peerA)), "taken");
        assertEquals(1, stat(pool::reused));
        assertTrue(c.channel().isOpen());
    }

    @Test
    void shouldEvictAnIdleConnectionTheUpstreamCloses() throws Exception
    {
        final ConnectionPool pool = new ConnectionPool(loop, 8, TimeUnit.SECONDS.toNanos(60), 100,
            TimeUnit.HOURS.toNanos(1), stats);
        final PooledConnection c = connect(pool, peerA);
        onLoop(() -> pool.release(c, 0));
        Await.until(() -> serverA.accepted() == 1, Duration.ofSeconds(5), "accepted");
        serverA.peers().get(0).socket.close(); // the upstream's idle close: FIN to the pooled socket
        Await.until(() -> stat(pool::evictedByPeer) == 1, Duration.ofSeconds(2),
            "evicted on the FIN, not at a timeout");
        assertEquals(0, stat(() -> (long)pool.idleCount()));
        awaitClosed(c, "the evicted connection");
        assertNull(onLoop(() -> pool.acquire(peerA)), "a closed connection is never handed out");
    }

    @Test
    void shouldNotHandOutAConnectionThatGotBytesOrAFinSinceTheLastSelect() throws Exception
    {
        final ConnectionPool pool = new ConnectionPool(loop, 8, TimeUnit.SECONDS.toNanos(60), 100,
            TimeUnit.HOURS.toNanos(1), stats);
        final PooledConnection stray = connect(pool, peerA);
        final PooledConnection closed = connect(pool, peerA);
        onLoop(() -> pool.release(stray, 0));
        onLoop(() -> pool.release(closed, 0));
        Await.until(() -> serverA.accepted() == 2, Duration.ofSeconds(5), "accepted");
        // all on the loop thread, so no select pass runs between the upstream's move and the acquire
        final PooledConnection got = onLoop(() ->
        {
            try (java.nio.channels.Selector watcher = java.nio.channels.Selector.open())
            {
                serverA.peers().get(0).socket.getOutputStream().write('X'); // a byte nobody asked for
                serverA.peers().get(1).socket.close(); // the upstream's idle close
                stray.channel().register(watcher, SelectionKey.OP_READ);
                closed.channel().register(watcher, SelectionKey.OP_READ);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (watcher.selectNow() < 2 && System.nanoTime() < deadline)
                {
                    watcher.selectedKeys().clear();
                    Thread.onSpinWait();
                }
                return pool.acquire(peerA);
            }
            catch (final java.io.IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        assertNull(got, "neither connection may carry a request");
        awaitClosed(stray, "the connection that got a stray byte");
        awaitClosed(closed, "the connection that got a FIN");
        assertEquals(2, stat(pool::evictedByPeer));
        assertEquals(0, stat(pool::reused));
    }

    @Test
    void shouldCloseIdleConnectionsAfterTheIdleTimeoutOrBeforeTheServersKeepAliveTimeout() throws Exception
    {
        final ConnectionPool pool = new ConnectionPool(loop, 8, TimeUnit.MILLISECONDS.toNanos(200), 100,
            TimeUnit.HOURS.toNanos(1), stats);
        final PooledConnection c = connect(pool, peerA);
        final long released = System.nanoTime();
        onLoop(() -> pool.release(c, 0));
        Await.until(() -> stat(pool::evictedIdle) == 1, Duration.ofSeconds(3), "idle timeout");
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);
        assertTrue(ms >= 180 && ms < 1000, "closed after " + ms + "ms of 200ms idle timeout");

        final ConnectionPool longIdle = new ConnectionPool(loop, 8, TimeUnit.SECONDS.toNanos(60), 100,
            TimeUnit.HOURS.toNanos(1), stats);
        final PooledConnection d = connect(longIdle, peerA);
        final long releasedD = System.nanoTime();
        onLoop(() -> longIdle.release(d, 1)); // the server said Keep-Alive: timeout=1
        Await.until(() -> stat(longIdle::evictedIdle) == 1, Duration.ofSeconds(3), "server keep-alive timeout");
        final long msD = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedD);
        assertTrue(msD >= 450 && msD < 1000, "closed " + msD + "ms after release, before the server's 1s");
    }

    @Test
    void shouldTrimTheLeastRecentlyUsedAfterTheOverflowGraceAndRespectRequestAndAgeLimits() throws Exception
    {
        final ConnectionPool pool = new ConnectionPool(loop, 2, TimeUnit.SECONDS.toNanos(60), 2,
            TimeUnit.HOURS.toNanos(1), stats);
        final PooledConnection first = connect(pool, peerA);
        final PooledConnection second = connect(pool, peerA);
        final PooledConnection third = connect(pool, peerB);
        onLoop(() -> pool.release(first, 0));
        onLoop(() -> pool.release(second, 0));
        final long overflowed = System.nanoTime();
        onLoop(() -> pool.release(third, 0));
        assertEquals(3, stat(() -> (long)pool.idleCount()), "over the limit for the overflow grace");
        Await.until(() -> stat(pool::evictedFull) == 1, Duration.ofSeconds(3), "trimmed after the grace");
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - overflowed);
        assertTrue(ms >= 900, "trimmed after " + ms + " ms, before the 1 s grace");
        assertEquals(2, stat(() -> (long)pool.idleCount()));
        awaitClosed(first, "the least recently used went");
        assertSame(second, onLoop(() -> pool.acquire(peerA)));

        second.requestDone();
        second.requestDone();
        assertFalse(onLoop(() -> pool.release(second, 0)), "keepalive-requests reached: closed, not pooled");
        awaitClosed(second, "the connection past keepalive-requests");

        final ConnectionPool young = new ConnectionPool(loop, 2, TimeUnit.SECONDS.toNanos(60), 100, 1, stats);
        final PooledConnection aged = connect(young, peerB);
        Thread.sleep(2); // older than keepalive-time of 1 ns
        assertFalse(onLoop(() -> young.release(aged, 0)), "keepalive-time reached: closed, not pooled");
    }

    /** The pool closes through the loop (EventLoop.closeSoon): the socket is closed after the loop's next select. */
    private static void awaitClosed(final PooledConnection c, final String what)
    {
        Await.until(() -> !c.channel().isOpen(), Duration.ofSeconds(5), what + " closed");
    }
}
