package io.vigil.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The network of a scenario, run inside the private namespace the scenario process lives in: loopback up, and
 * an nft table whose {@code blackhole} set drops every packet to or from the addresses in it (a crashed host or a
 * partition, as seen by its peers), plus named counters of packets Vigil sends towards each peer.
 */
final class Netns
{
    private static final String TABLE = "inet vigil_scenario";
    private static final Pattern PACKETS = Pattern.compile("packets (\\d+)");

    private Netns()
    {
    }

    static void setUp(final int proxyPort, final String clientIp, final String upstreamIp, final int upstreamPort)
    {
        run("ip", "link", "set", "lo", "up");
        nft("add table " + TABLE);
        nft("add set " + TABLE + " blackhole { type ipv4_addr; }");
        nft("add counter " + TABLE + " to_client");
        nft("add counter " + TABLE + " to_upstream");
        nft("add chain " + TABLE + " input { type filter hook input priority 0; policy accept; }");
        // count what Vigil sends each peer (while idle: keepalive probes), then drop blackholed traffic
        nft("add rule " + TABLE + " input ip daddr " + clientIp + " tcp sport " + proxyPort +
            " counter name to_client");
        nft("add rule " + TABLE + " input ip daddr " + upstreamIp + " tcp dport " + upstreamPort +
            " counter name to_upstream");
        nft("add rule " + TABLE + " input ip saddr @blackhole drop");
        nft("add rule " + TABLE + " input ip daddr @blackhole drop");
    }

    static void blackhole(final String ip)
    {
        nft("add element " + TABLE + " blackhole { " + ip + " }");
    }

    /**
     * Drop every packet of the connections that use this local port (one connection vanishes, its server stays).
     *
     * @param port the port, on either end.
     */
    static void blackholePort(final int port)
    {
        nft("add rule " + TABLE + " input tcp sport " + port + " drop");
        nft("add rule " + TABLE + " input tcp dport " + port + " drop");
    }

    static void restore(final String ip)
    {
        nft("delete element " + TABLE + " blackhole { " + ip + " }");
    }

    static void resetCounter(final String name)
    {
        nft("reset counter " + TABLE + " " + name);
    }

    static long counterPackets(final String name)
    {
        final Matcher m = PACKETS.matcher(nft("list counter " + TABLE + " " + name));
        if (!m.find())
        {
            throw new IllegalStateException("no packet count for counter " + name);
        }
        return Long.parseLong(m.group(1));
    }

    static List<String> establishedSockets(final String filter)
    {
        final List<String> lines = new ArrayList<>();
        for (final String line : run("ss", "-tnoH", "state", "established", filter).split("\n"))
        {
            if (!line.isBlank())
            {
                lines.add(line.trim());
            }
        }
        return lines;
    }

    private static String nft(final String command)
    {
        return run("nft", command);
    }

    static String run(final String... command)
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
            throw new IllegalStateException("cannot run " + String.join(" ", command), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
