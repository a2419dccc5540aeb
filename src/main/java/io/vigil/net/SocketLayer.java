package io.vigil.net;

import java.nio.channels.spi.SelectorProvider;

/**
 * Where Vigil's data sockets and selectors come from: the JDK's NIO (always on Java 17) or, on Java 22+ on Linux
 * unless {@code -Dvigil.sockets=jdk}, Vigil's own epoll and socket layer over the Foreign Function &amp; Memory API
 * (the multi-release jar's {@code META-INF/versions/22} copy of this class). Loops, listeners, upstream and health
 * check sockets take their provider from here; the admin server stays on the JDK's. Thread safe (immutable).
 */
public final class SocketLayer
{
    private static final String REQUESTED = System.getProperty("vigil.sockets", "kernel");

    private SocketLayer()
    {
    }

    /**
     * @return the provider of loop selectors and data sockets.
     */
    public static SelectorProvider provider()
    {
        return SelectorProvider.provider();
    }

    /**
     * @return "jdk" or "kernel".
     */
    public static String name()
    {
        return "jdk";
    }

    /**
     * @return one line for the start-up log and {@code vigil check}.
     */
    public static String describe()
    {
        return "kernel".equals(REQUESTED) ? "sockets: jdk (Vigil's own socket layer needs Java 22+)" : "sockets: jdk";
    }
}
