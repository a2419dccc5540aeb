package io.vigil.bench;

import io.vigil.loop.BufferPool;
import io.vigil.session.Flow;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One relay step of a tcp session over real loopback sockets: a peer writes {@code size} bytes,
 * {@link Flow#pump} reads them from the client socket and writes them to the upstream socket (borrowing and
 * returning a pooled buffer, as an idle session does), and the far peer reads them. Four syscalls per operation; this is
 * the per-packet cost of the proxy hop minus epoll.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RelayBenchmark
{
    @Param({"64", "4096"})
    public int size;

    private SocketChannel clientPeer;
    private SocketChannel clientSide;
    private SocketChannel upstreamSide;
    private SocketChannel upstreamPeer;
    private final BufferPool pool = new BufferPool(32 * 1024, 16);
    private final Flow flow = new Flow();
    private ByteBuffer out;
    private ByteBuffer in;

    @Setup
    public void setUp() throws IOException
    {
        final SocketChannel[] a = pair();
        final SocketChannel[] b = pair();
        clientPeer = a[0];
        clientSide = a[1];
        upstreamSide = b[0];
        upstreamPeer = b[1];
        clientSide.configureBlocking(false);
        upstreamSide.configureBlocking(false);
        flow.src = clientSide;
        flow.dst = upstreamSide;
        out = ByteBuffer.allocateDirect(size);
        in = ByteBuffer.allocateDirect(size);
    }

    private static SocketChannel[] pair() throws IOException
    {
        try (ServerSocketChannel server = ServerSocketChannel.open())
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final SocketChannel connecting = SocketChannel.open(server.getLocalAddress());
            final SocketChannel accepted = server.accept();
            connecting.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            accepted.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            return new SocketChannel[] {connecting, accepted};
        }
    }

    @TearDown
    public void tearDown() throws IOException
    {
        clientPeer.close();
        clientSide.close();
        upstreamSide.close();
        upstreamPeer.close();
    }

    @Benchmark
    public int relay() throws IOException
    {
        out.clear();
        clientPeer.write(out);
        final long before = flow.bytes;
        while (flow.bytes - before < size)
        {
            flow.readReady = true;
            flow.pump(pool, System.nanoTime()); // the session's relay step: read, write, return the buffer when drained
        }
        in.clear();
        while (in.hasRemaining())
        {
            upstreamPeer.read(in);
        }
        return (int)(flow.bytes - before);
    }
}
