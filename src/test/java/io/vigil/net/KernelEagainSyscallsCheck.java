package io.vigil.net;

import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.vigil.net.KernelChecks.expect;

/**
 * A read that finds nothing and a write that finds no room (EAGAIN, the everyday outcome of the pool's probe read
 * before a reused POST, and of backpressure) cost one syscall each on the kernel layer, as on the JDK's: none repeated
 * to learn errno. Counted by the kernel itself: the thread's read and write syscalls in /proc/thread-self/io (syscr,
 * syscw count every read and write that reached the file, whatever it returned). Run in a JVM of the newer JDK by
 * {@link KernelEagainSyscallsTest}. Prints "OK eagain" and the counts.
 */
public final class KernelEagainSyscallsCheck
{
    private static final int CALLS = 1000;
    /** Reading /proc/thread-self/io itself, and slack. */
    private static final int SLACK = 50;

    private KernelEagainSyscallsCheck()
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
        try (ServerSocketChannel server = provider.openServerSocketChannel();
            SocketChannel client = provider.openSocketChannel())
        {
            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            try (SocketChannel upstream = KernelChecks.connectedPair(server, client, end))
            {
                check(client);
            }
        }
        System.out.println("OK eagain");
    }

    private static void check(final SocketChannel client) throws Exception
    {
        final ByteBuffer probe = ByteBuffer.allocateDirect(1);
        final long readsBefore = counter("syscr");
        for (int i = 0; i < CALLS; i++)
        {
            expect(client.read(probe.clear()) == 0, "nothing to read");
        }
        final long reads = counter("syscr") - readsBefore;

        final ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 16);
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (client.write(chunk.clear()) > 0)
        {
            expect(System.nanoTime() < end, "the send buffer filled before the deadline"); // the peer never reads
        }
        final long writesBefore = counter("syscw");
        for (int i = 0; i < CALLS; i++)
        {
            expect(client.write(chunk.clear()) == 0, "no room to write");
        }
        final long writes = counter("syscw") - writesBefore;
        System.out.println("read syscalls for " + CALLS + " EAGAIN reads: " + reads + "; write syscalls for " + CALLS +
            " EAGAIN writes: " + writes);
        expect(reads < CALLS + SLACK, "one read syscall per read that finds nothing: " + reads);
        expect(writes < CALLS + SLACK, "one write syscall per write that finds no room: " + writes);
    }

    /** A field of this thread's /proc I/O counters. */
    private static long counter(final String name) throws Exception
    {
        for (final String line : Files.readAllLines(Path.of("/proc/thread-self/io"), StandardCharsets.US_ASCII))
        {
            if (line.startsWith(name + ":"))
            {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " in /proc/thread-self/io");
    }

}
