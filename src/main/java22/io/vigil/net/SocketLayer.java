package io.vigil.net;

import io.vigil.net.kernel.KernelSelectorProvider;

import java.nio.channels.spi.SelectorProvider;

/**
 * Where Vigil's data sockets and selectors come from (the multi-release jar's {@code META-INF/versions/22} copy):
 * on Linux by default Vigil's own epoll and socket layer over the Foreign Function &amp; Memory API
 * ({@link KernelSelectorProvider}), fewer system calls and less CPU per connection than the JDK's NIO; with
 * {@code -Dvigil.sockets=jdk}, or where the layer cannot be linked, the JDK's. Loops, listeners, upstream and
 * health check sockets take their provider from here; the admin server stays on the JDK's. Thread safe (immutable).
 */
public final class SocketLayer
{
    private static final SelectorProvider PROVIDER;
    private static final String DESCRIPTION;

    static
    {
        final String requested = System.getProperty("vigil.sockets", "kernel");
        SelectorProvider provider = SelectorProvider.provider();
        String description = "sockets: jdk (-Dvigil.sockets=" + requested + ")";
        if ("kernel".equals(requested))
        {
            if (!System.getProperty("os.name", "").startsWith("Linux"))
            {
                description = "sockets: jdk (Vigil's own socket layer needs Linux)";
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
                    description = "sockets: jdk (Vigil's own socket layer unavailable: " + ex + ")";
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
