package io.vigil.net;

import io.vigil.log.Log;
import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The socket options of one side of a listener or upstream, decided once at startup and applied to each
 * socket: accepted sockets before they are registered, upstream sockets before connect. On Linux an accepted
 * socket inherits its listener's options (nginx relies on it), but Java lets a ServerSocketChannel take only the
 * keepalive tunables (TCP_KEEPIDLE/INTVL/CNT), not SO_KEEPALIVE or TCP_NODELAY: so the tunables go on the
 * listening socket once, with the other two through {@link ListeningSocketOptions} where the JVM allows
 * ({@link #applyToListener}); the acceptor reads the first accepted socket back to see what was inherited
 * ({@link #inheritedBy}), and from then on each accepted socket gets only the rest ({@link #applyAccepted}).
 * The only place {@code jdk.net.ExtendedSocketOptions} is used.
 *
 * <p>Thread safety: immutable apart from the failure flag and counter, which any loop may touch.
 */
public final class SocketTuning
{
    private final String owner;
    private final KeepAlive keepAlive;
    private final boolean tcpNodelay;
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private final AtomicLong failures;
    private final long keepAliveBudgetNs;
    private final KeepAlive effective;

    /**
     * @param owner      what these options belong to, for the failure log ("listener public").
     * @param keepAlive  the keepalive to apply.
     * @param tcpNodelay whether to set TCP_NODELAY.
     * @param failures   counter of options that failed at runtime (shared, rarely written).
     */
    public SocketTuning(
        final String owner, final KeepAlive keepAlive, final boolean tcpNodelay, final AtomicLong failures)
    {
        this.owner = owner;
        this.keepAlive = keepAlive;
        this.tcpNodelay = tcpNodelay;
        this.failures = failures;
        this.keepAliveBudgetNs = budgetNs(keepAlive);
        final KeepAlive system = KernelKeepAlive.systemDefaults();
        this.effective = new KeepAlive(keepAlive.mode(),
            keepAlive.idleSec() != KeepAlive.SYSTEM_DEFAULT ? keepAlive.idleSec() : system.idleSec(),
            keepAlive.intervalSec() != KeepAlive.SYSTEM_DEFAULT ? keepAlive.intervalSec() : system.intervalSec(),
            keepAlive.count() != KeepAlive.SYSTEM_DEFAULT ? keepAlive.count() : system.count());
    }

    private static long budgetNs(final KeepAlive keepAlive)
    {
        if (!keepAlive.enabled())
        {
            return Long.MAX_VALUE;
        }
        final KeepAlive system = KernelKeepAlive.systemDefaults();
        final long idle = keepAlive.idleSec() != KeepAlive.SYSTEM_DEFAULT ? keepAlive.idleSec() : system.idleSec();
        final long interval = keepAlive.intervalSec() != KeepAlive.SYSTEM_DEFAULT ?
            keepAlive.intervalSec() : system.intervalSec();
        final long count = keepAlive.count() != KeepAlive.SYSTEM_DEFAULT ? keepAlive.count() : system.count();
        return java.util.concurrent.TimeUnit.SECONDS.toNanos(idle + interval * count);
    }

    /**
     * Check at startup that this JDK and OS support every option the config asks for, so an unsupported
     * tunable fails at load time (nginx refuses them while parsing) rather than on each connection.
     *
     * @throws IllegalStateException naming the unsupported option.
     */
    public void verifySupported()
    {
        if (keepAlive.mode() == KeepAlive.Mode.NOT_SET)
        {
            return;
        }
        try (SocketChannel probe = SocketChannel.open())
        {
            final Set<SocketOption<?>> supported = probe.supportedOptions();
            requireSupported(supported, StandardSocketOptions.SO_KEEPALIVE);
            if (keepAlive.idleSec() != KeepAlive.SYSTEM_DEFAULT)
            {
                requireSupported(supported, ExtendedSocketOptions.TCP_KEEPIDLE);
            }
            if (keepAlive.intervalSec() != KeepAlive.SYSTEM_DEFAULT)
            {
                requireSupported(supported, ExtendedSocketOptions.TCP_KEEPINTERVAL);
            }
            if (keepAlive.count() != KeepAlive.SYSTEM_DEFAULT)
            {
                requireSupported(supported, ExtendedSocketOptions.TCP_KEEPCOUNT);
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(owner + ": cannot open a socket to check options: " + ex, ex);
        }
    }

    private void requireSupported(final Set<SocketOption<?>> supported, final SocketOption<?> option)
    {
        if (!supported.contains(option))
        {
            throw new IllegalStateException(owner + ": so-keepalive \"" + keepAlive + "\" needs " + option.name() +
                ", which this JDK/OS does not support");
        }
    }

    /**
     * @return true when sockets tuned by this have SO_KEEPALIVE on.
     */
    public boolean keepAliveEnabled()
    {
        return keepAlive.enabled();
    }

    /**
     * @return idle + intvl x cnt in ns (the kernel's defaults fill empty fields): a peer that stopped answering
     *         while the socket was idle is declared dead this long after the last thing it acknowledged.
     *         Long.MAX_VALUE without keepalive.
     */
    public long keepAliveBudgetNs()
    {
        return keepAliveBudgetNs;
    }

    /**
     * Apply the options to one socket. A failing option is logged once per owner, counted, and skipped:
     * the connection still works, only without that tuning.
     *
     * @param channel an accepted socket, or an upstream socket before connect.
     */
    public void apply(final SocketChannel channel)
    {
        if (tcpNodelay)
        {
            set(channel, StandardSocketOptions.TCP_NODELAY, Boolean.TRUE);
        }
        switch (keepAlive.mode())
        {
            case OFF:
                set(channel, StandardSocketOptions.SO_KEEPALIVE, Boolean.FALSE);
                break;
            case ON:
                tunables(channel); // first, so the timer starts with the right idle when SO_KEEPALIVE arms it
                set(channel, StandardSocketOptions.SO_KEEPALIVE, Boolean.TRUE);
                break;
            default:
                break;
        }
    }

    /** {@link #applyToListener} result bit: the keepalive tunables (TCP_KEEPIDLE/INTVL/CNT) are inherited. */
    public static final int TUNABLES = 1;
    /** {@link #applyToListener} result bit: TCP_NODELAY as configured is inherited. */
    public static final int NODELAY = 2;
    /** {@link #applyToListener} result bit: SO_KEEPALIVE as configured is inherited. */
    public static final int KEEPALIVE = 4;
    /** Every option accepted sockets need comes from the listener. */
    public static final int ALL = TUNABLES | NODELAY | KEEPALIVE;

    /**
     * Put on a listening socket what its accepted sockets inherit (Linux), so each accept costs fewer system calls:
     * the keepalive tunables through Java, SO_KEEPALIVE and TCP_NODELAY through {@link ListeningSocketOptions} where
     * the JVM allows. Everything is set to this tuning's value, off included, so a listening socket kept across a
     * reload forgets the last configuration's. Failures are not fatal (the accepted sockets get those options
     * themselves) and not counted.
     *
     * @param listener the listening socket.
     * @return which options the listener now carries for its accepted sockets: {@link #TUNABLES}, {@link #NODELAY},
     *         {@link #KEEPALIVE}.
     */
    public int applyToListener(final ServerSocketChannel listener)
    {
        final boolean on = keepAlive.mode() == KeepAlive.Mode.ON;
        int carried = on ? (tunablesToListener(listener) ? TUNABLES : 0) : TUNABLES; // no effect while keepalive is off
        if (ListeningSocketOptions.keepAlive(listener, on) || !on && !ListeningSocketOptions.available())
        {
            carried |= KEEPALIVE; // (Java cannot have turned it on there)
        }
        if (ListeningSocketOptions.tcpNodelay(listener, tcpNodelay) ||
            !tcpNodelay && !ListeningSocketOptions.available())
        {
            carried |= NODELAY;
        }
        return carried;
    }

    private boolean tunablesToListener(final ServerSocketChannel listener)
    {
        final Set<SocketOption<?>> supported = listener.supportedOptions();
        if (!supported.contains(ExtendedSocketOptions.TCP_KEEPIDLE) ||
            !supported.contains(ExtendedSocketOptions.TCP_KEEPINTERVAL) ||
            !supported.contains(ExtendedSocketOptions.TCP_KEEPCOUNT))
        {
            return false;
        }
        try
        {
            // all three, empty fields as the kernel's defaults: a kept listening socket forgets a reload's old values
            listener.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, effective.idleSec());
            listener.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, effective.intervalSec());
            listener.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, effective.count());
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * Read an accepted socket back: does it carry what its listener should have passed on? Called once per
     * listening socket and configuration (a few getsockopt calls), never per connection.
     *
     * @param accepted a socket accepted after {@link #applyToListener}.
     * @param carried  what {@link #applyToListener} returned.
     * @return true when every option in {@code carried} has this tuning's value on the accepted socket.
     */
    public boolean inheritedBy(final SocketChannel accepted, final int carried)
    {
        final boolean on = keepAlive.mode() == KeepAlive.Mode.ON;
        try
        {
            if ((carried & NODELAY) != 0 && accepted.getOption(StandardSocketOptions.TCP_NODELAY) != tcpNodelay)
            {
                return false;
            }
            if ((carried & KEEPALIVE) != 0 && keepAlive.mode() != KeepAlive.Mode.NOT_SET &&
                accepted.getOption(StandardSocketOptions.SO_KEEPALIVE) != on)
            {
                return false;
            }
            return !on || (carried & TUNABLES) == 0 ||
                accepted.getOption(ExtendedSocketOptions.TCP_KEEPIDLE) == effective.idleSec() &&
                accepted.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL) == effective.intervalSec() &&
                accepted.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT) == effective.count();
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * Tune an accepted socket: set what it did not inherit.
     *
     * @param channel   the accepted socket.
     * @param inherited what {@link #inheritedBy} confirmed for its listener (0: set everything).
     */
    public void applyAccepted(final SocketChannel channel, final int inherited)
    {
        if (inherited == 0)
        {
            apply(channel);
            return;
        }
        if (tcpNodelay && (inherited & NODELAY) == 0)
        {
            set(channel, StandardSocketOptions.TCP_NODELAY, Boolean.TRUE);
        }
        if (keepAlive.mode() == KeepAlive.Mode.ON)
        {
            if ((inherited & TUNABLES) == 0)
            {
                tunables(channel);
            }
            if ((inherited & KEEPALIVE) == 0)
            {
                set(channel, StandardSocketOptions.SO_KEEPALIVE, Boolean.TRUE);
            }
        }
        else if (keepAlive.mode() == KeepAlive.Mode.OFF && (inherited & KEEPALIVE) == 0)
        {
            set(channel, StandardSocketOptions.SO_KEEPALIVE, Boolean.FALSE);
        }
    }

    private void tunables(final SocketChannel channel)
    {
        if (keepAlive.idleSec() != KeepAlive.SYSTEM_DEFAULT)
        {
            set(channel, ExtendedSocketOptions.TCP_KEEPIDLE, keepAlive.idleSec());
        }
        if (keepAlive.intervalSec() != KeepAlive.SYSTEM_DEFAULT)
        {
            set(channel, ExtendedSocketOptions.TCP_KEEPINTERVAL, keepAlive.intervalSec());
        }
        if (keepAlive.count() != KeepAlive.SYSTEM_DEFAULT)
        {
            set(channel, ExtendedSocketOptions.TCP_KEEPCOUNT, keepAlive.count());
        }
    }

    /**
     * Options for a listening socket: only what a listener supports (SO_REUSEPORT when asked).
     *
     * @param channel   the listening socket, before bind.
     * @param reuseport whether to set SO_REUSEPORT.
     * @throws IOException when the option cannot be set; a listener that cannot be set up must not start.
     */
    public static void applyListen(final ServerSocketChannel channel, final boolean reuseport) throws IOException
    {
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, Boolean.TRUE);
        if (reuseport)
        {
            channel.setOption(StandardSocketOptions.SO_REUSEPORT, Boolean.TRUE);
        }
    }

    private <T> void set(final NetworkChannel channel, final SocketOption<T> option, final T value)
    {
        try
        {
            channel.setOption(option, value);
        }
        catch (final IOException | RuntimeException ex)
        {
            failures.incrementAndGet();
            if (failureLogged.compareAndSet(false, true))
            {
                Log.warn(owner + ": setting " + option.name() + "=" + value +
                    " failed, ignored (logged once, counted in socket_option_failures): " + ex);
            }
        }
    }
}
