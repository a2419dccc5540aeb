package io.vigil.net;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.vigil.net.KernelChecks.expect;

/**
 * Counts the bytes the kernel socket layer allocates per relay round trip of direct buffers, in a JVM of the newer
 * JDK ({@link KernelAllocationTest} starts it with {@code -Dvigil.sockets=kernel}). One round trip over a real
 * loopback pair (after heap buffers through the same calls, as in Vigil): a write, an epoll_wait that finds the data
 * (selectNow and a select with a timeout), a read, a gathering write back, and a read. The team's rule: once
 * compiled, none of it allocates. The thread's allocation counter does not depend on load, but when the JIT compiles
 * does: rounds repeat until one allocates under a byte per round trip, or the rounds or the deadline run out. Then
 * reads that find nothing (EAGAIN, not a packet) are held to less than a buffer segment each. Prints "OK allocation"
 * and the bytes per round trip of every round.
 */
public final class KernelAllocationCheck
{
    private static final int ROUND_TRIPS = 100_000;
    private static final int MAX_ROUNDS = 8;
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(45);
    private static final int HEAP_ROUND_TRIPS = 20_000;
    /**
     * A read that finds nothing is retried with errno capture, which the JDK slices a segment for (40 bytes, that C2
     * usually removes); a buffer wrapped per call (MemorySegment.ofBuffer) would cost 72.
     */
    private static final int MAX_PER_RETRY = 48;
    private static final int OUT_BYTES = 16;
    private static final int HEAD_BYTES = 5;
    private static final int BODY_BYTES = 11;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private final ByteBuffer out = ByteBuffer.allocateDirect(64);
    private final ByteBuffer in = ByteBuffer.allocateDirect(64);
    private final ByteBuffer back = ByteBuffer.allocateDirect(64);
    /** A head and a body, as the HTTP mode's gathering write sends them; the body a slice of a larger buffer. */
    private final ByteBuffer[] gathered = {ByteBuffer.allocateDirect(HEAD_BYTES),
        ByteBuffer.allocateDirect(4096).slice(100, 200)};
    private final Counting onSelected = new Counting();
    private final ByteBuffer heapOut = ByteBuffer.allocate(64);
    private final ByteBuffer heapIn = ByteBuffer.allocate(64);

    private KernelAllocationCheck()
    {
    }

    /**
     * @param args none.
     * @throws Exception when a check fails.
     */
    public static void main(final String[] args) throws Exception
    {
        expect("kernel".equals(SocketLayer.name()), "the kernel layer is active: " + SocketLayer.describe());
        final SelectorProvider provider = SocketLayer.provider();
        final long end = System.nanoTime() + DEADLINE_NS;
        try (ServerSocketChannel server = provider.openServerSocketChannel();
            SocketChannel client = provider.openSocketChannel();
            Selector selector = provider.openSelector())
        {
            try (SocketChannel upstream = KernelChecks.connectedPair(server, client, end))
            {
                upstream.register(selector, SelectionKey.OP_READ);
                new KernelAllocationCheck().check(client, upstream, selector, end);
            }
        }
        System.out.println("OK allocation");
    }

    private void check(final SocketChannel client, final SocketChannel upstream, final Selector selector,
        final long end) throws Exception
    {
        final long self = Thread.currentThread().getId();
        for (int i = 0; i < HEAP_ROUND_TRIPS; i++)
        {
            heapRoundTrip(client, upstream);
        }
        final StringBuilder rounds = new StringBuilder();
        double perRoundTrip = Double.MAX_VALUE;
        for (int round = 0; round < MAX_ROUNDS && perRoundTrip >= 1 && System.nanoTime() < end; round++)
        {
            final long before = threads.getThreadAllocatedBytes(self);
            for (int i = 0; i < ROUND_TRIPS; i++)
            {
                roundTrip(client, upstream, selector);
            }
            perRoundTrip = (threads.getThreadAllocatedBytes(self) - before) / (double)ROUND_TRIPS;
            rounds.append(String.format(" %.2f", perRoundTrip));
        }
        System.out.println("bytes allocated per round trip, by round of " + ROUND_TRIPS + ":" + rounds);
        expect(perRoundTrip < 1, "a compiled round trip (write, epoll_wait twice, read, writev, read) allocates " +
            "nothing; by round:" + rounds);
        final long before = threads.getThreadAllocatedBytes(self);
        for (int i = 0; i < ROUND_TRIPS; i++)
        {
            expect(upstream.read(in.clear()) == 0, "nothing to read");
        }
        final double perEmptyRead = (threads.getThreadAllocatedBytes(self) - before) / (double)ROUND_TRIPS;
        System.out.println("bytes allocated per read that found nothing: " + perEmptyRead);
        expect(perEmptyRead < MAX_PER_RETRY, "a read that finds nothing (retried with errno capture) allocates " +
            "less than a buffer segment: " + perEmptyRead);
    }

    private void roundTrip(final SocketChannel client, final SocketChannel upstream, final Selector selector)
        throws Exception
    {
        out.clear().position(3).limit(3 + OUT_BYTES);
        expect(client.write(out) == OUT_BYTES, "a whole write");
        onSelected.count = 0;
        selector.selectNow(onSelected);
        selector.select(onSelected, 1000);
        expect(onSelected.count == 2, "both selects saw the data");
        readExactly(upstream, in.clear().position(7), OUT_BYTES);
        gathered[0].clear();
        gathered[1].clear().position(9).limit(9 + BODY_BYTES);
        expect(upstream.write(gathered, 0, 2) == HEAD_BYTES + BODY_BYTES, "a whole gathering write");
        readExactly(client, back.clear(), HEAD_BYTES + BODY_BYTES);
    }

    /**
     * Heap buffers through the same calls, as Vigil's admin server and health probes do: without them the JIT sees
     * only direct buffers here and may scalar-replace a per-call segment that it cannot in the real proxy (where the
     * check must still fail).
     */
    private void heapRoundTrip(final SocketChannel client, final SocketChannel upstream) throws Exception
    {
        heapOut.clear().limit(OUT_BYTES);
        expect(client.write(heapOut) == OUT_BYTES, "a whole heap write");
        readExactly(upstream, heapIn.clear(), OUT_BYTES);
        expect(upstream.read(heapIn.clear()) == 0, "nothing left to read");
    }

    private static void readExactly(final SocketChannel channel, final ByteBuffer into, final int bytes)
        throws Exception
    {
        final int start = into.position();
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (into.position() - start < bytes)
        {
            expect(channel.read(into) >= 0 && System.nanoTime() < end, "the bytes arrived");
        }
    }

    /** Counts the keys an epoll pass hands over; one instance, made once. */
    private static final class Counting implements Consumer<SelectionKey>
    {
        private int count;

        @Override
        public void accept(final SelectionKey key)
        {
            count++;
        }
    }
}
