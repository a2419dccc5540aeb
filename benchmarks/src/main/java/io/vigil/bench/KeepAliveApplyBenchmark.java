package io.vigil.bench;

import io.vigil.config.KeepAliveSyntax;
import io.vigil.net.KeepAlive;
import io.vigil.net.SocketTuning;
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
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What per-listener keepalive costs per accepted connection: {@link SocketTuning#apply} on a connected socket
 * (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTERVAL, TCP_KEEPCOUNT through jdk.net.ExtendedSocketOptions, plus
 * TCP_NODELAY), against TCP_NODELAY alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KeepAliveApplyBenchmark
{
    @Param({"default", "120:30:5"})
    public String soKeepalive;

    private ServerSocketChannel server;
    private SocketChannel client;
    private SocketChannel accepted;
    private SocketTuning tuning;

    @Setup
    public void setUp() throws IOException
    {
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = SocketChannel.open(server.getLocalAddress());
        accepted = server.accept();
        tuning = new SocketTuning("bench", KeepAliveSyntax.parse(soKeepalive), true, new AtomicLong());
    }

    @TearDown
    public void tearDown() throws IOException
    {
        client.close();
        accepted.close();
        server.close();
    }

    @Benchmark
    public SocketChannel apply()
    {
        tuning.apply(accepted);
        return accepted;
    }
}
