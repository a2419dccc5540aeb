package io.vigil.bench;

import io.vigil.config.ConfigLoader;
import io.vigil.config.VigilConfig;
import io.vigil.stats.StatsLayout;
import io.vigil.upstream.Peer;
import io.vigil.upstream.PeerPicker;
import io.vigil.upstream.UpstreamGroup;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cost of choosing an upstream server for a new session: one pick (and its release) per operation, over 8
 * servers with mixed weights. Run with {@code -prof gc} to see that a pick allocates nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PeerPickerBenchmark
{
    @Param({"round-robin", "least-conn", "hash", "hash-consistent", "random", "random-two"})
    public String balance;

    private PeerPicker picker;
    private int key;

    @Setup
    public void setUp()
    {
        final String settings = "hash-consistent".equals(balance) ? "balance = hash, consistent = true" :
            "balance = " + balance;
        final StringBuilder servers = new StringBuilder();
        for (int i = 1; i <= 8; i++)
        {
            servers.append(i == 1 ? "" : ", ").append("\"10.0.0.").append(i).append(":80 weight=").append(i % 3 + 1)
                .append('"');
        }
        final VigilConfig config = ConfigLoader.parse("vigil { listeners = [{ name = a, listen = \"127.0.0.1:0\", " +
            "upstream = u }], upstreams { u { " + settings + ", servers = [" + servers + "] } } }", "bench");
        picker = new UpstreamGroup(config.upstreams().get("u"), true, new AtomicLong(), new StatsLayout()).newPicker();
    }

    @Benchmark
    public Peer pick()
    {
        final Peer peer = picker.next(0, key++ * 0x9E3779B9, System.nanoTime());
        peer.release();
        return peer;
    }
}
