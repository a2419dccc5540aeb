package io.vigil.net;

import java.io.IOException;

/**
 * setsockopt/getsockopt of TCP_USER_TIMEOUT. This is the Java 17 version: the JDK has no such option and no
 * way to call the C library, so it is unavailable and {@link UserTimeouts} falls back to a write-stall timer. The
 * jar is multi-release: on Java 22 and later {@code META-INF/versions/22} replaces this class with one that calls
 * the C library through the Foreign Function &amp; Memory API (source in src/main/java22).
 */
public final class KernelUserTimeout
{
    private KernelUserTimeout()
    {
    }

    /**
     * @return why the kernel option cannot be set from this JVM, or null when it can.
     */
    public static String unavailableReason()
    {
        return "Java " + Runtime.version().feature() + " cannot call setsockopt (the Foreign Function & Memory " +
            "API needs Java 22+)";
    }

    /**
     * @param fd a TCP socket's file descriptor.
     * @param ms the timeout in milliseconds; 0 turns it off.
     * @throws IOException never here: always unsupported.
     */
    public static void set(final int fd, final int ms) throws IOException
    {
        throw new UnsupportedOperationException(unavailableReason());
    }

    /**
     * @param fd a TCP socket's file descriptor.
     * @return the timeout in milliseconds.
     * @throws IOException never here: always unsupported.
     */
    public static int get(final int fd) throws IOException
    {
        throw new UnsupportedOperationException(unavailableReason());
    }
}
