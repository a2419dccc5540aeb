package io.vigil.net;

import java.io.IOException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;

/**
 * Which mechanism enforces {@code user-timeout} in this JVM, decided once at class load by setting
 * TCP_USER_TIMEOUT on a scratch socket and reading it back: the kernel's option (Java 22+ through
 * {@link KernelUserTimeout}, with the descriptor from {@link SocketFds}), or else a write-stall timer in the loop
 * (pending bytes with no write progress for the timeout close the session; see {@code session.Relay}).
 *
 * <p>Thread safety: immutable after class load; safe from any thread.
 */
public final class UserTimeouts
{
    /** How user-timeout is enforced. */
    public enum Mechanism
    {
        /** TCP_USER_TIMEOUT on each socket: the kernel aborts when sent data stays unacknowledged that long. */
        KERNEL("kernel"),
        /** The loop closes a session whose bytes for a peer made no write progress that long. */
        WRITE_STALL("write-stall");

        private final String label;

        Mechanism(final String label)
        {
            this.label = label;
        }

        /**
         * @return the name {@code check} and {@code /connections} show.
         */
        public String label()
        {
            return label;
        }
    }

    private static final int PROBE_MS = 4321;
    private static final Mechanism MECHANISM;
    private static final String FALLBACK_REASON;

    static
    {
        String reason = SocketFds.unavailableReason();
        if (reason == null)
        {
            reason = KernelUserTimeout.unavailableReason();
        }
        if (reason == null)
        {
            try (SocketChannel scratch = SocketChannel.open())
            {
                final int fd = SocketFds.fd(scratch);
                KernelUserTimeout.set(fd, PROBE_MS);
                final int readBack = KernelUserTimeout.get(fd);
                reason = readBack == PROBE_MS ? null : "TCP_USER_TIMEOUT read back as " + readBack;
            }
            catch (final IOException | RuntimeException | LinkageError ex)
            {
                reason = "TCP_USER_TIMEOUT cannot be set: " + ex;
            }
        }
        MECHANISM = reason == null ? Mechanism.KERNEL : Mechanism.WRITE_STALL;
        FALLBACK_REASON = reason;
    }

    private UserTimeouts()
    {
    }

    /**
     * @return the mechanism in force for this JVM.
     */
    public static Mechanism mechanism()
    {
        return MECHANISM;
    }

    /**
     * @return why the kernel mechanism is not used, or null when it is.
     */
    public static String fallbackReason()
    {
        return FALLBACK_REASON;
    }

    /**
     * @return a one-line description for operators: the mechanism and, for the fallback, why.
     */
    public static String describe()
    {
        return MECHANISM == Mechanism.KERNEL ?
            "kernel (TCP_USER_TIMEOUT set through the Foreign Function & Memory API, Java " +
                Runtime.version().feature() + ")" :
            "write-stall (a loop timer; " + FALLBACK_REASON + ")";
    }

    /**
     * Set TCP_USER_TIMEOUT on a socket when the kernel mechanism is in force; a listening socket passes it on
     * to the sockets it accepts (Linux copies it at accept, as HAProxy's {@code tcp-ut} on a bind relies on).
     *
     * @param channel a socket or listening socket.
     * @param ms      the timeout in milliseconds; 0 clears it.
     * @return true when set; false under the write-stall mechanism or when the kernel refused.
     */
    public static boolean apply(final NetworkChannel channel, final long ms)
    {
        if (MECHANISM != Mechanism.KERNEL)
        {
            return false;
        }
        try
        {
            KernelUserTimeout.set(SocketFds.fd(channel), (int)Math.min(ms, UserTimeout.MAX_MS));
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * @param channel a socket.
     * @return its TCP_USER_TIMEOUT in milliseconds, or -1 when it cannot be read (write-stall mechanism).
     */
    public static long read(final NetworkChannel channel)
    {
        if (MECHANISM != Mechanism.KERNEL)
        {
            return -1;
        }
        try
        {
            return KernelUserTimeout.get(SocketFds.fd(channel));
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }
}
