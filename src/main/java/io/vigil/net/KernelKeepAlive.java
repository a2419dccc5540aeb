package io.vigil.net;


import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's system-wide keepalive defaults (net.ipv4.tcp_keepalive_*), used for fields a config leaves
 * empty. Falls back to Linux's compiled-in defaults (7200:75:9) where /proc is not readable.
 */
public final class KernelKeepAlive
{
    private KernelKeepAlive()
    {
    }

    /**
     * @return the system defaults as a fully set config.
     */
    public static KeepAlive systemDefaults()
    {
        return new KeepAlive(
            KeepAlive.Mode.ON,
            read("tcp_keepalive_time", 7200),
            read("tcp_keepalive_intvl", 75),
            read("tcp_keepalive_probes", 9));
    }

    private static int read(final String name, final int fallback)
    {
        // read as a stream: procfs reports a bogus size and Files.readString returns a truncated value
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4", name)))
        {
            return Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
        catch (final IOException | NumberFormatException | SecurityException ex)
        {
            return fallback;
        }
    }
}
