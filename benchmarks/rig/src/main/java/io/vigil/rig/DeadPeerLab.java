package io.vigil.rig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The dead-peer lab: how long does a proxy take to close the other side of a connection whose peer vanished
 * without a FIN or RST? The number the so_keepalive guide is about: idle + intvl x cnt from the kernel, plus the
 * proxy's own delay.
 *
 * <p>In a private network namespace (it re-runs itself under {@code unshare -n} when not already in one, which
 * needs root), the lab starts the rig's echo upstream on 127.0.0.3, starts the proxy command given, opens
 * connections from 127.0.0.2 through the proxy on 127.0.0.1 and does one round trip on each. Then nft drops all
 * packets of the dead side: the client (default) or the upstream. The lab measures, for each connection, when
 * the surviving side saw the proxy close it, from the last traffic.
 */
final class DeadPeerLab
{
    static final String HELP = String.join("\n",
        "usage: vigil-bench deadpeer --proxy-cmd 'CMD' [--proxy-listen 127.0.0.1:8000]",
        "                            [--upstream-listen 127.0.0.3:9000]",
        "                            [--client-ip 127.0.0.2] [--dead client|upstream] [--connections 10]",
        "                            [--wait 60s] [--budget 4s] [--out DIR]",
        "CMD runs inside the namespace (sh -c) and must proxy --proxy-listen to --upstream-listen with keepalive",
        "on the side that dies, e.g. nginx: listen 127.0.0.1:8000 so_keepalive=1:1:2; proxy_pass 127.0.0.3:9000;",
        "Needs root, nft (nftables) and ip (iproute2). Prints per-connection close times and writes",
        "DIR/deadpeer.json.");

    private static final String TABLE = "inet vigil_bench_lab";
    private static final String IN_NAMESPACE = "VIGIL_BENCH_NETNS";

    private DeadPeerLab()
    {
    }

    static void main(final String[] args) throws Exception
    {
        if (List.of(args).contains("--help"))
        {
            System.out.println(HELP);
            return;
        }
        final Options options = new Options(args, Set.of("proxy-cmd", "proxy-listen", "upstream-listen", "client-ip",
            "dead", "connections", "wait", "budget", "out"), Set.of());
        options.required("proxy-cmd");
        if (System.getenv(IN_NAMESPACE) == null)
        {
            System.exit(reexecInNamespace(args));
        }
        final InetSocketAddress proxy = Options.parseAddress("proxy-listen",
            options.string("proxy-listen", "127.0.0.1:8000"));
        final InetSocketAddress upstream = Options.parseAddress("upstream-listen",
            options.string("upstream-listen", "127.0.0.3:9000"));
        final String clientIp = options.string("client-ip", "127.0.0.2");
        final boolean clientDies = !"upstream".equals(options.string("dead", "client"));
        final int connections = (int)options.integer("connections", 10, 1, 5000);
        final long waitNs = options.durationNs("wait", "60s");
        final long budgetNs = options.durationNs("budget", "0s");
        run("ip", "link", "set", "lo", "up");
        setUpBlackhole();
        Process proxyProcess = null;
        try (EchoServer echo = new EchoServer(upstream, 0))
        {
            proxyProcess = new ProcessBuilder("sh", "-c", options.required("proxy-cmd"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                    Files.createTempFile("vigil-bench-proxy", ".log").toFile())).start();
            waitForPort(proxy, proxyProcess);
            final List<Socket> clients = new ArrayList<>();
            for (int i = 0; i < connections; i++)
            {
                final Socket socket = new Socket();
                socket.bind(new InetSocketAddress(InetAddress.getByName(clientIp), 0));
                socket.connect(proxy, 5000);
                socket.setSoTimeout((int)TimeUnit.NANOSECONDS.toMillis(waitNs));
                clients.add(socket);
                roundTrip(socket);
            }
            final long lastTrafficNs = System.nanoTime();
            run("nft", "add element " + TABLE + " blackhole { " +
                (clientDies ? clientIp : upstream.getAddress().getHostAddress()) + " }");
            final List<Long> closedMs = clientDies ? awaitUpstreamCloses(echo, connections, lastTrafficNs, waitNs) :
                awaitClientCloses(clients, lastTrafficNs);
            for (final Socket socket : clients)
            {
                socket.close();
            }
            report(options, clientDies, connections, closedMs, budgetNs);
        }
        finally
        {
            if (proxyProcess != null)
            {
                proxyProcess.descendants().forEach(ProcessHandle::destroy);
                proxyProcess.destroy();
                proxyProcess.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static int reexecInNamespace(final String[] args) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("unshare", "-n", "--"));
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ProcessHandle.current().info().arguments().map(List::of).orElse(List.of()));
        final ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put(IN_NAMESPACE, "1");
        return builder.start().waitFor();
    }

    private static void setUpBlackhole()
    {
        run("nft", "add table " + TABLE);
        run("nft", "add set " + TABLE + " blackhole { type ipv4_addr; }");
        run("nft", "add chain " + TABLE + " input { type filter hook input priority 0; policy accept; }");
        run("nft", "add rule " + TABLE + " input ip saddr @blackhole drop");
        run("nft", "add rule " + TABLE + " input ip daddr @blackhole drop");
    }

    private static void waitForPort(final InetSocketAddress address, final Process proxy) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            if (!proxy.isAlive())
            {
                throw new IllegalStateException("the proxy command exited with " + proxy.exitValue());
            }
            try (Socket probe = new Socket())
            {
                probe.connect(address, 200);
                return;
            }
            catch (final IOException ex)
            {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the proxy never listened on " + address);
    }

    private static void roundTrip(final Socket socket) throws IOException
    {
        final byte[] request = new byte[TcpProtocol.HEADER];
        java.nio.ByteBuffer.wrap(request).putInt(TcpProtocol.HEADER).putInt(TcpProtocol.HEADER);
        final OutputStream out = socket.getOutputStream();
        out.write(request);
        final InputStream in = socket.getInputStream();
        if (in.readNBytes(TcpProtocol.HEADER).length != TcpProtocol.HEADER)
        {
            throw new IOException("no answer through the proxy");
        }
    }

    private static List<Long> awaitUpstreamCloses(
        final EchoServer echo, final int connections, final long lastTrafficNs, final long waitNs)
        throws InterruptedException
    {
        final long deadline = lastTrafficNs + waitNs;
        List<Long> ms = List.of();
        while (ms.size() < connections && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
            ms = new ArrayList<>();
            for (final long at : echo.closedAtNs())
            {
                if (at >= lastTrafficNs) // not the proxy's connections from before, e.g. its port probe
                {
                    ms.add(TimeUnit.NANOSECONDS.toMillis(at - lastTrafficNs));
                }
            }
        }
        return ms;
    }

    private static List<Long> awaitClientCloses(final List<Socket> clients, final long lastTrafficNs)
    {
        final List<Long> ms = new ArrayList<>();
        for (final Socket socket : clients)
        {
            try
            {
                if (socket.getInputStream().read() < 0)
                {
                    ms.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastTrafficNs));
                }
            }
            catch (final java.net.SocketTimeoutException ex)
            {
                // not closed within --wait
            }
            catch (final IOException ex)
            {
                ms.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastTrafficNs)); // reset
            }
        }
        return ms;
    }

    private static void report(
        final Options options, final boolean clientDies, final int connections, final List<Long> closedMs,
        final long budgetNs) throws IOException
    {
        final List<Long> sorted = new ArrayList<>(closedMs);
        sorted.sort(null);
        final String side = clientDies ? "client" : "upstream";
        final String other = clientDies ? "upstream" : "client";
        System.out.printf(Locale.ROOT, "dead %s: the proxy closed %d of %d %s connections%n", side, sorted.size(),
            connections, other);
        if (!sorted.isEmpty())
        {
            System.out.printf(Locale.ROOT, "  after the last traffic: min %d ms, median %d ms, max %d ms%n",
                sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
        }
        final long budgetMs = TimeUnit.NANOSECONDS.toMillis(budgetNs);
        final boolean withinBudget = budgetMs == 0 ||
            sorted.size() == connections && sorted.get(sorted.size() - 1) <= budgetMs;
        if (budgetMs > 0)
        {
            System.out.println(withinBudget ? "  within the budget of " + budgetMs + " ms" :
                "  NOT within the budget of " + budgetMs + " ms");
        }
        final Path out = Path.of(options.string("out", "vigil-bench-out"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("deadpeer.json"), String.format(Locale.ROOT,
            "{\n  \"dead\": \"%s\",\n  \"connections\": %d,\n  \"closed\": %d,\n  \"closed_after_ms\": %s,\n" +
            "  \"budget_ms\": %d,\n  \"within_budget\": %s\n}\n", side, connections, sorted.size(), sorted, budgetMs,
            withinBudget));
        if (!withinBudget)
        {
            System.exit(3);
        }
    }

    private static String run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0)
            {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + ex.getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
