package io.vigil.net;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;

import static io.vigil.net.KernelChecks.expect;

/**
 * A direct buffer backed by a memory segment of an arena (FFM's {@code MemorySegment.asByteBuffer}) carries its
 * arena's lifetime: once the arena is closed its memory is freed, and the JDK's channels refuse the buffer
 * (IllegalStateException) instead of reading or writing freed memory. The kernel layer must do the same: passing the
 * buffer's raw address without acquiring the arena sends freed memory to the peer (a leak of whatever the allocator
 * put there since) and reads into it (corrupting memory another part of the process owns). Run in a JVM of the newer
 * JDK by {@link KernelScopedBufferTest}; the FFM calls go through method handles because the tests compile for
 * Java 17. Prints "OK scoped".
 */
public final class KernelScopedBufferCheck
{
    private static final int BYTES = 256;

    private KernelScopedBufferCheck()
    {
    }

    /**
     * @param args none, or "jdk" to run the checks on the JDK's channels.
     * @throws Throwable when a check fails.
     */
    public static void main(final String[] args) throws Throwable
    {
        // "jdk": the same checks on the JDK's own channels, which they describe
        final boolean jdk = args.length > 0 && "jdk".equals(args[0]);
        expect(jdk || "kernel".equals(SocketLayer.name()), "the kernel layer is active: " + SocketLayer.describe());
        final SelectorProvider provider = SocketLayer.provider();
        try (ServerSocketChannel server = provider.openServerSocketChannel();
            SocketChannel client = provider.openSocketChannel())
        {
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            try (SocketChannel upstream = KernelChecks.connectedPair(server, client, end))
            {
                check(client, upstream);
            }
        }
        System.out.println("OK scoped");
    }

    private static void check(final SocketChannel client, final SocketChannel accepted) throws Throwable
    {
        final Arenas arenas = new Arenas();
        final Object live = arenas.confined();
        final ByteBuffer alive = arenas.buffer(live, BYTES);
        for (int i = 0; i < BYTES; i++)
        {
            alive.put(i, (byte)i);
        }
        expect(client.write(alive) == BYTES, "a live arena's buffer is written whole");
        final ByteBuffer into = arenas.buffer(live, BYTES);
        readExactly(accepted, into);
        expect(into.flip().equals(alive.flip()), "and read back the same through another");

        final Object closed = arenas.confined();
        final ByteBuffer freed = arenas.buffer(closed, BYTES);
        final ByteBuffer freedToo = arenas.buffer(closed, BYTES);
        arenas.close(closed);
        expectRefused(() -> client.write(freed), "write from a closed arena's buffer");
        expectRefused(() -> client.write(new ByteBuffer[] {freed, freedToo}, 0, 2),
            "gathering write from closed arenas' buffers");
        expect(accepted.read(ByteBuffer.allocate(BYTES)) == 0, "nothing of freed memory reached the peer");
        expect(client.write(ByteBuffer.wrap(new byte[] {42})) == 1, "one byte to read");
        expectRefused(() -> accepted.read(freed), "read into a closed arena's buffer");
        arenas.close(live);
    }

    private static void readExactly(final SocketChannel channel, final ByteBuffer into) throws Exception
    {
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (into.hasRemaining())
        {
            expect(channel.read(into) >= 0 && System.nanoTime() < end, "the bytes arrived");
        }
    }

    private static void expectRefused(final Call call, final String what) throws Exception
    {
        final long result;
        try
        {
            result = call.run();
        }
        catch (final IllegalStateException refused)
        {
            return; // as the JDK's channels: "Already closed"
        }
        catch (final IOException failed)
        {
            if (failed.getCause() instanceof IllegalStateException)
            {
                return; // the kernel layer wraps what its downcall threw: refused all the same, nothing moved
            }
            throw failed;
        }
        throw new AssertionError("failed: " + what + " is refused, but it moved " + result + " bytes of freed memory");
    }

    /** A channel call returning a count. */
    @FunctionalInterface
    private interface Call
    {
        long run() throws Exception;
    }

    /** Arena.ofConfined, Arena.allocate, MemorySegment.asByteBuffer and Arena.close through method handles. */
    private static final class Arenas
    {
        private final MethodHandle ofConfined;
        private final MethodHandle allocate;
        private final MethodHandle asByteBuffer;
        private final MethodHandle close;

        Arenas() throws ReflectiveOperationException
        {
            final MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            final Class<?> arena = Class.forName("java.lang.foreign.Arena");
            final Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            final Class<?> allocator = Class.forName("java.lang.foreign.SegmentAllocator");
            ofConfined = lookup.findStatic(arena, "ofConfined", MethodType.methodType(arena));
            allocate = lookup.findVirtual(allocator, "allocate", MethodType.methodType(segment, long.class));
            asByteBuffer = lookup.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class));
            close = lookup.findVirtual(arena, "close", MethodType.methodType(void.class));
        }

        Object confined() throws Throwable
        {
            return ofConfined.invoke();
        }

        ByteBuffer buffer(final Object arena, final long bytes) throws Throwable
        {
            return (ByteBuffer)asByteBuffer.invoke(allocate.invoke(arena, bytes));
        }

        void close(final Object arena) throws Throwable
        {
            close.invoke(arena);
        }
    }
}
