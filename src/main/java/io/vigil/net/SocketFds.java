package io.vigil.net;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.NetworkChannel;

/**
 * The file descriptor number behind an NIO socket, for socket options the JDK does not offer (TCP_USER_TIMEOUT).
 *
 * <p>Why this way: every JDK socket channel implements {@code sun.nio.ch.SelChImpl#getFDVal()}, the number the
 * JDK itself passes to the kernel; reaching it needs the same {@code --add-opens java.base/sun.nio.ch} that
 * {@link SocketProbe} needs (bin/vigil, the jar manifest and the image all pass it). Matching a channel to an
 * entry of {@code /proc/self/fd} instead would need its socket inode, which NIO does not expose either, and a
 * directory scan per socket. Without the opening {@link #available()} is false.
 *
 * <p>Thread safety: stateless; safe from any thread.
 */
public final class SocketFds
{
    private static final MethodHandle GET_FD_VAL;
    private static final String UNAVAILABLE_REASON;

    static
    {
        MethodHandle getFdVal = null;
        String reason = null;
        try
        {
            final Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
            final MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(selChImpl, MethodHandles.lookup());
            getFdVal = lookup.findVirtual(selChImpl, "getFDVal", MethodType.methodType(int.class))
                .asType(MethodType.methodType(int.class, NetworkChannel.class));
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            reason = "no access to the JDK's socket file descriptors (run with --add-opens " +
                "java.base/sun.nio.ch=ALL-UNNAMED): " + ex;
        }
        GET_FD_VAL = getFdVal;
        UNAVAILABLE_REASON = reason;
    }

    private SocketFds()
    {
    }

    /**
     * @return true when {@link #fd} works in this JVM.
     */
    public static boolean available()
    {
        return GET_FD_VAL != null;
    }

    /**
     * @return why {@link #fd} does not work, or null when it does.
     */
    public static String unavailableReason()
    {
        return UNAVAILABLE_REASON;
    }

    /**
     * @param channel an open socket or listening socket of the JDK's default provider.
     * @return its file descriptor number, or -1 when unavailable (no access, closed, another provider).
     */
    public static int fd(final NetworkChannel channel)
    {
        if (channel instanceof NativeSocket socket)
        {
            return socket.fd();
        }
        if (GET_FD_VAL == null)
        {
            return -1;
        }
        try
        {
            return (int)GET_FD_VAL.invokeExact(channel);
        }
        catch (final Throwable ex)
        {
            return -1;
        }
    }
}
