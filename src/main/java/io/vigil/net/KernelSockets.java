package io.vigil.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernel's view of TCP sockets, as {@code ss -tno} shows it, read from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} on demand: state, the pending timer (keepalive, retransmit, zero-window probe) and the
 * time left on it, keepalive probes or retransmissions so far, and the queues. One read covers every socket of
 * the network namespace; call it off the data loops (the admin thread does).
 */
public final class KernelSockets
{
    private static final String[] STATES = {"UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
        "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};
    private static final String[] TIMERS = {"off", "retransmit", "keepalive", "time_wait", "zero_window_probe"};
    /** USER_HZ: /proc reports timer expiry in clock ticks of 10 ms. */
    private static final long MS_PER_TICK = 10;

    /**
     * One socket as the kernel sees it.
     *
     * @param state       TCP state, e.g. ESTABLISHED.
     * @param timer       the pending timer: off, retransmit, keepalive, time_wait, zero_window_probe.
     * @param timerMs     time left on it.
     * @param retransmits unanswered retransmissions (retransmit timer).
     * @param probes      unanswered keepalive or zero-window probes.
     * @param sendQueue   bytes sent and not yet acknowledged.
     * @param receiveQueue bytes received and not yet read by Vigil.
     */
    public record TcpState(
        String state, String timer, long timerMs, int retransmits, int probes, long sendQueue, long receiveQueue)
    {
    }

    private final Map<String, TcpState> byEnds;

    private KernelSockets(final Map<String, TcpState> byEnds)
    {
        this.byEnds = byEnds;
    }

    /**
     * Read the kernel's tables now.
     *
     * @return what they say; empty where /proc cannot be read.
     */
    public static KernelSockets read()
    {
        final Map<String, TcpState> byEnds = new HashMap<>();
        parse(Path.of("/proc/net/tcp"), byEnds);
        parse(Path.of("/proc/net/tcp6"), byEnds);
        return new KernelSockets(byEnds);
    }

    /**
     * @param local  the socket's local address.
     * @param remote its peer.
     * @return its state, or null when the kernel has no such socket (or the addresses are unknown).
     */
    public TcpState find(final InetSocketAddress local, final InetSocketAddress remote)
    {
        if (local == null || remote == null)
        {
            return null;
        }
        return byEnds.get(key(local.getAddress(), local.getPort(), remote.getAddress(), remote.getPort()));
    }

    /**
     * @return how many sockets were read.
     */
    public int size()
    {
        return byEnds.size();
    }

    static void parse(final Path table, final Map<String, TcpState> into)
    {
        if (!Files.isReadable(table))
        {
            return;
        }
        // read as a stream: procfs reports a size of 0
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(table),
            StandardCharsets.US_ASCII)))
        {
            in.readLine(); // the header
            String line;
            while ((line = in.readLine()) != null)
            {
                parseLine(line, into);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // a table that changes under us or cannot be read: what was read is still true
        }
    }

    static void parseLine(final String line, final Map<String, TcpState> into)
    {
        final String[] f = line.trim().split("\\s+");
        if (f.length < 10)
        {
            return;
        }
        final String[] local = f[1].split(":");
        final String[] remote = f[2].split(":");
        final String[] queues = f[4].split(":");
        final String[] timer = f[5].split(":");
        final int state = Integer.parseInt(f[3], 16);
        final int timerKind = Integer.parseInt(timer[0], 16);
        final long ticks = Long.parseLong(timer[1], 16);
        final TcpState tcp = new TcpState(
            state < STATES.length ? STATES[state] : STATES[0],
            timerKind < TIMERS.length ? TIMERS[timerKind] : "unknown",
            timerKind == 0 || ticks > Integer.MAX_VALUE ? 0 : ticks * MS_PER_TICK,
            Integer.parseInt(f[6], 16),
            Integer.parseInt(f[8]),
            Long.parseLong(queues[0], 16),
            Long.parseLong(queues[1], 16));
        try
        {
            into.put(key(address(local[0]), Integer.parseInt(local[1], 16), address(remote[0]),
                Integer.parseInt(remote[1], 16)), tcp);
        }
        catch (final UnknownHostException ex)
        {
            // not an address: skip the line
        }
    }

    /** /proc writes addresses as 32-bit words in host (little-endian) order. */
    static InetAddress address(final String hex) throws UnknownHostException
    {
        final byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++)
        {
            for (int b = 0; b < 4; b++)
            {
                final int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte)Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return InetAddress.getByAddress(bytes);
    }

    /** IPv4-mapped IPv6 and IPv4 name the same socket: Java's dual-stack sockets show up in tcp6. */
    private static String key(final InetAddress local, final int localPort, final InetAddress remote,
        final int remotePort)
    {
        return HostPort.format(new InetSocketAddress(unmap(local), localPort)) + "|" +
            HostPort.format(new InetSocketAddress(unmap(remote), remotePort));
    }

    private static InetAddress unmap(final InetAddress address)
    {
        final byte[] bytes = address.getAddress();
        if (bytes.length == 16)
        {
            boolean mapped = bytes[10] == (byte)0xff && bytes[11] == (byte)0xff;
            for (int i = 0; i < 10 && mapped; i++)
            {
                mapped = bytes[i] == 0;
            }
            if (mapped)
            {
                try
                {
                    return InetAddress.getByAddress(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]});
                }
                catch (final UnknownHostException ex)
                {
                    return address;
                }
            }
        }
        return address;
    }
}
