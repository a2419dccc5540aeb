package io.vigil.net;

import io.vigil.net.kernel.KernelSelectorProvider;

import java.nio.channels.spi.SelectorProvider;

/**
 * Where Vigil's data sockets and selectors come from (the multi-release jar's {@code META-INF/versions/22} copy):
 * the JDK's NIO by default, or with {@code -Dvigil.sockets=kernel} on Linux Vigil's own epoll and socket layer over
 * the Foreign Function &amp; Memory API ({@link KernelSelectorProvider}). Loops, listeners, upstream and health check
 * sockets take their provider from here; the admin server stays on the JDK's. Thread safe (immutable).
 */
public final class SocketLayer
{
    private static final SelectorProvider PROVIDER;
    private static final String DESCRIPTION;

    static
    {
        final String requested = System.getProperty("vigil.sockets", "jdk");
        SelectorProvider provider = SelectorProvider.provider();
        String description = "sockets: jdk";
        if ("kernel".equals(requested))
        {
            if (!System.getProperty("os.name", "").startsWith("Linux"))
            {
                description = "sockets: jdk (-Dvigil.sockets=kernel needs Linux)";
            }
            else
            {
                try
                {
                    provider = KernelSelectorProvider.INSTANCE;
                    description = "sockets: kernel (epoll and sockets over the Foreign Function & Memory API)";
                }
                catch (final RuntimeException | LinkageError ex)
                {
                    description = "sockets: jdk (-Dvigil.sockets=kernel unavailable: " + ex + ")";
                }
            }
        }
        PROVIDER = provider;
        DESCRIPTION = description;
    }

    private SocketLayer()
    {
    }

    /**
     * @return the provider of loop selectors and data sockets.
     */
    public static SelectorProvider provider()
    {
        return PROVIDER;
    }

    /**
     * @return "jdk" or "kernel".
     */
    public static String name()
    {
        return PROVIDER == SelectorProvider.provider() ? "jdk" : "kernel";
    }

    /**
     * @return one line for the start-up log and {@code vigil check}.
     */
    public static String describe()
    {
        return DESCRIPTION;
    }
}
