package io.vigil.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Races on the kernel layer's selector from other threads, in a JVM of the newer JDK ({@link KernelSelectorRaceTest}
 * starts it): wakeups from another thread while the selector drains its eventfd must neither be lost nor leave the
 * selector returning at once forever (a loop spinning at 100% CPU). {@code main} prints "OK races" and exits 0.
 */
public final class KernelSelectorRaceCheck
{
    private static final long RACE_NS = TimeUnit.SECONDS.toNanos(3);
    private static final int MAX_PASSES = 2_000_000;
    private static final long QUIET_SELECT_MS = 300;
    private static final int READY_KEYS = 3;
    /** More than the selector's drain period (128 passes), several times over. */
    private static final int DISPATCH_PASSES = 1_000;

    private KernelSelectorRaceCheck()
    {
    }

    /**
     * @param args none.
     * @throws Exception when a check fails.
     */
    public static void main(final String[] args) throws Exception
    {
        expect("kernel".equals(SocketLayer.name()), "the kernel layer is active: " + SocketLayer.describe());
        checkWakeupsDoNotLeaveTheSelectorSpinning();
        checkEveryPassDispatchesEveryReadyKey();
        System.out.println("OK races");
    }

    /**
     * One thread wakes the selector as fast as it can while this one selects; afterwards, with nobody waking it,
     * a select with a timeout must wait (at most the last wakeup may still end the first select at once).
     */
    private static void checkWakeupsDoNotLeaveTheSelectorSpinning() throws Exception
    {
        try (Selector selector = SocketLayer.provider().openSelector())
        {
            final AtomicBoolean racing = new AtomicBoolean(true);
            final Thread waker = new Thread(() ->
            {
                while (racing.get())
                {
                    selector.wakeup();
                }
            }, "waker");
            waker.start();
            final long end = System.nanoTime() + RACE_NS;
            int passes = 0;
            try
            {
                while (System.nanoTime() < end && passes < MAX_PASSES)
                {
                    selector.select(1000);
                    passes++;
                }
            }
            finally
            {
                racing.set(false);
                waker.join();
            }
            selector.select(QUIET_SELECT_MS); // the last wakeup may end this one at once
            final long startNs = System.nanoTime();
            selector.select(QUIET_SELECT_MS);
            final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            expect(waitedMs >= QUIET_SELECT_MS - 50,
                "with nobody waking it the selector waits its timeout, after " + passes +
                " raced passes: returned after " + waitedMs + " ms");
            final Thread late = new Thread(() ->
            {
                sleepQuietly(100);
                selector.wakeup();
            }, "late-waker");
            late.start();
            final long lateStartNs = System.nanoTime();
            selector.select(10_000);
            final long lateMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lateStartNs);
            late.join();
            expect(lateMs < 5_000, "a wakeup from another thread ends a blocked select: " + lateMs + " ms");
        }
    }

    /**
     * The selector drains its eventfd on its own every so many passes (an event added after epoll's): over more passes
     * than that, three readable connections are each dispatched in every pass, none is overwritten by the added
     * event, and afterwards, with nobody waking it, a select still waits its timeout.
     */
    private static void checkEveryPassDispatchesEveryReadyKey() throws Exception
    {
        final SelectorProvider provider = SocketLayer.provider();
        final List<SocketChannel> sockets = new ArrayList<>();
        final List<Socket> clients = new ArrayList<>();
        try (ServerSocketChannel server = provider.openServerSocketChannel();
            Selector selector = provider.openSelector())
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            for (int i = 0; i < READY_KEYS; i++)
            {
                final Socket client = new Socket();
                clients.add(client);
                client.connect(server.getLocalAddress(), 10_000);
                final SocketChannel accepted = server.accept();
                sockets.add(accepted);
                client.getOutputStream().write(1);
                accepted.configureBlocking(false);
                accepted.register(selector, SelectionKey.OP_READ);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (selector.selectNow() < READY_KEYS)
            {
                expect(System.nanoTime() < deadline, "the bytes arrived on all " + READY_KEYS + " connections");
                selector.selectedKeys().clear();
            }
            selector.selectedKeys().clear();
            final int[] dispatched = new int[1];
            for (int pass = 0; pass < DISPATCH_PASSES; pass++)
            {
                dispatched[0] = 0;
                selector.selectNow(key -> dispatched[0]++);
                expect(dispatched[0] == READY_KEYS,
                    "pass " + pass + " dispatched every ready key: " + dispatched[0] + " of " + READY_KEYS);
            }
            for (final SocketChannel socket : sockets)
            {
                socket.close(); // nothing left to report
            }
            selector.selectNow();
            final long startNs = System.nanoTime();
            selector.select(QUIET_SELECT_MS);
            final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            expect(waitedMs >= QUIET_SELECT_MS - 50,
                "after the passes a select waits its timeout: " + waitedMs + " ms");
        }
        finally
        {
            for (final SocketChannel socket : sockets)
            {
                socket.close();
            }
            for (final Socket client : clients)
            {
                client.close();
            }
        }
    }

    private static void sleepQuietly(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void expect(final boolean holds, final String what)
    {
        if (!holds)
        {
            throw new AssertionError("failed: " + what);
        }
    }
}
