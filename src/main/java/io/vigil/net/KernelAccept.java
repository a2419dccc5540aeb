package io.vigil.net;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Accepts from one listening socket. This is the Java 17 version: the JDK's own {@code accept}. The jar is
 * multi-release: on Java 22 and later {@code META-INF/versions/22} replaces this class with one that calls
 * {@code accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)} through the Foreign Function &amp; Memory API (source in
 * src/main/java22) and so saves the JDK's blocking-mode check and Vigil's switch to non-blocking (two
 * {@code fcntl} per connection).
 *
 * <p>Thread safety: one instance per listening socket, used on the thread that owns it.
 */
public final class KernelAccept
{
    private final ServerSocketChannel server;

    /**
     * @param server a bound, non-blocking listening socket.
     */
    public KernelAccept(final ServerSocketChannel server)
    {
        this.server = server;
    }

    /**
     * @return why accept4 is not used in this JVM, or null when it is.
     */
    public static String unavailableReason()
    {
        return "Java " + Runtime.version().feature() + " cannot call accept4 (the Foreign Function & Memory API " +
            "needs Java 22+)";
    }

    /**
     * @return the accepted socket (configure it non-blocking before registering it: on Java 22+ that finds it
     *         non-blocking already and costs one fcntl), or null when none is waiting.
     * @throws IOException as {@link ServerSocketChannel#accept()}.
     */
    public SocketChannel accept() throws IOException
    {
        return server.accept();
    }
}
