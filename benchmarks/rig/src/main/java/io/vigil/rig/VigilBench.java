package io.vigil.rig;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * {@code bin/vigil-bench}: a latency benchmark rig for any TCP or HTTP/1.1 proxy or server. See {@link #USAGE}.
 */
public final class VigilBench
{
    static final String USAGE = String.join("\n",
        "usage: vigil-bench echo --listen HOST:PORT [--delay 0ms] [--plain]",
        "       vigil-bench tcp  --target HOST:PORT [load options] [--size 64] [--response-size N] [--new-connection]",
        "       vigil-bench http --url http://HOST:PORT/PATH [load options] [--method GET|HEAD]",
        "       vigil-bench deadpeer (run it inside a private network namespace; see --help there)",
        "       vigil-bench soak --target HOST:PORT [--sessions 9500] [--duration 10m] [--tail 30s] [--churn 50]",
        "                        [--messages 1000] [--max-message 16k] [--seed N] [--out DIR]",
        "load options:",
        "  --rate R          requests/s in total, open loop with coordinated-omission correction (like wrk2);",
        "                    0 or --max: closed loop, as fast as responses come back",
        "  --duration 10s    measured time        --warmup 2s      load before measuring, not recorded",
        "  --connections 16  connections          --threads 1      generator threads",
        "  --out DIR         writes summary.json, latency.hgrm, latency-uncorrected.hgrm, latency.svg",
        "  --quiet           no progress lines",
        "echo answers the tcp protocol: requests start with 8 bytes (request length, response length), and the",
        "answer has the length asked for. With --response-size equal to --size (the default) any echo server works.",
        "echo --plain returns every byte as it came and closes after the client's FIN.",
        "soak holds --sessions sessions through the target to an echo --plain upstream: each lives a random time",
        "(about sessions/churn s), half-closes and reads its echo to the FIN, and is replaced; --messages per second",
        "in total, each echo checked byte-exact. Prints 'soak: steady' when all are open and 'soak: held' after",
        "--duration; exits 0 only with no error and no byte lost (summary.json in --out).");

    private static final Set<String> LOAD = Set.of("rate", "duration", "warmup", "connections", "threads", "out");

    private VigilBench()
    {
    }

    /**
     * @param args the command line.
     */
    public static void main(final String[] args)
    {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h"))
        {
            System.out.println(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        final String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        try
        {
            switch (args[0])
            {
                case "echo" -> echo(rest);
                case "tcp" -> tcp(rest);
                case "http" -> http(rest);
                case "deadpeer" -> DeadPeerLab.main(rest);
                case "soak" -> soak(rest);
                default -> throw new IllegalArgumentException("unknown command \"" + args[0] + "\"");
            }
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("vigil-bench: " + ex.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
        catch (final Exception ex)
        {
            System.err.println("vigil-bench: " + ex);
            System.exit(1);
        }
    }

    private static void echo(final String[] args) throws Exception
    {
        final Options options = new Options(args, Set.of("listen", "delay"), Set.of("plain"));
        if (options.flag("plain"))
        {
            try (PlainEcho server = new PlainEcho(options.address("listen")))
            {
                System.out.println("vigil-bench echo --plain listening on " + server.address().getHostString() + ":" +
                    server.address().getPort());
                server.join();
            }
            return;
        }
        try (EchoServer server = new EchoServer(options.address("listen"), options.durationNs("delay", "0ms")))
        {
            System.out.println("vigil-bench echo listening on " + server.address().getHostString() + ":" +
                server.address().getPort());
            server.join();
        }
    }

    private static void tcp(final String[] args) throws Exception
    {
        final Options options = new Options(args, union(LOAD, "target", "size", "response-size"),
            Set.of("max", "quiet", "new-connection"));
        final int size = options.size("size", 64, TcpProtocol.HEADER, 64 * 1024 * 1024);
        final int responseSize = options.size("response-size", size, 1, 64 * 1024 * 1024);
        final InetSocketAddress target = options.address("target");
        final LoadRun.Settings settings = settings(options, target, new TcpProtocol(size, responseSize),
            options.flag("new-connection"));
        run(options, settings, String.format(Locale.ROOT, "tcp %s:%d, %d B requests, %d B responses%s",
            target.getHostString(), target.getPort(), size, responseSize,
            settings.newConnPerRequest() ? ", a new connection per request" : ""));
    }

    private static void http(final String[] args) throws Exception
    {
        final Options options = new Options(args, union(LOAD, "url", "method"), Set.of("max", "quiet"));
        final URI url = URI.create(options.required("url"));
        final String method = options.string("method", "GET").toUpperCase(Locale.ROOT);
        if (!method.equals("GET") && !method.equals("HEAD"))
        {
            throw new IllegalArgumentException("--method: GET or HEAD");
        }
        final InetSocketAddress target = new InetSocketAddress(url.getHost(), url.getPort() < 0 ? 80 : url.getPort());
        final LoadRun.Settings settings = settings(options, target, new HttpProtocol(url, method), false);
        run(options, settings, "http " + method + " " + url);
    }

    private static void soak(final String[] args) throws Exception
    {
        final Options options = new Options(args, Set.of("target", "sessions", "duration", "tail", "churn", "messages",
            "max-message", "seed", "out"), Set.of());
        final SoakRun.Settings settings = new SoakRun.Settings(
            options.address("target"),
            (int)options.integer("sessions", 9500, 1, 1_000_000),
            options.durationNs("duration", "10m"),
            options.durationNs("tail", "30s"),
            options.integer("churn", 50, 1, 1_000_000),
            options.integer("messages", 1000, 1, 10_000_000),
            options.size("max-message", 16 * 1024, 1, 16 * 1024 * 1024),
            options.integer("seed", System.nanoTime(), Long.MIN_VALUE, Long.MAX_VALUE));
        System.out.println("soak: " + settings);
        final SoakStats stats = new SoakRun(settings, System.out).run();
        final String json = stats.json(settings);
        final Path dir = Path.of(options.string("out", "vigil-bench-out"));
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve("summary.json"), json);
        System.out.print(json);
        System.exit(stats.clean() ? 0 : 1);
    }

    private static LoadRun.Settings settings(
        final Options options, final InetSocketAddress target, final Protocol protocol, final boolean newConnection)
    {
        final double rate = options.flag("max") ? 0 : options.integer("rate", 0, 0, 100_000_000);
        return new LoadRun.Settings(
            target,
            rate,
            options.durationNs("duration", "10s"),
            options.durationNs("warmup", "2s"),
            (int)options.integer("connections", 16, 1, 100_000),
            (int)options.integer("threads", 1, 1, 256),
            protocol,
            newConnection);
    }

    private static void run(final Options options, final LoadRun.Settings settings, final String what)
        throws Exception
    {
        final String description = what + ", " + settings.connections() + " connections, " +
            (settings.rate() > 0 ? String.format(Locale.ROOT, "%,.0f req/s open loop", settings.rate()) :
            "closed loop");
        final PrintStream progress = options.flag("quiet") ? null : System.err;
        if (progress != null)
        {
            progress.println("vigil-bench: " + description + "; warm-up " +
                settings.warmupNs() / 1_000_000 + " ms, then " + settings.durationNs() / 1_000_000 + " ms measured");
        }
        final LoadRun.Result result = LoadRun.run(settings, progress);
        Report.write(Path.of(options.string("out", "vigil-bench-out")), description, settings, result, System.out);
    }

    private static Set<String> union(final Set<String> base, final String... more)
    {
        final java.util.HashSet<String> all = new java.util.HashSet<>(base);
        all.addAll(java.util.List.of(more));
        return all;
    }
}
