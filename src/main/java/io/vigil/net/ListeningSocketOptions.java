package io.vigil.net;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.ServerSocketChannel;

/**
 * Sets on a listening socket the options Java refuses there (SO_KEEPALIVE, TCP_NODELAY) but Linux passes on to
 * every accepted socket, as nginx relies on: through the JDK's own setsockopt entry ({@code sun.nio.ch.Net}, opened
 * to Vigil like {@link SocketProbe}), the same call on JDK 17 and 25. Where that is not reachable every accepted
 * socket gets the options itself, as before. Thread safe (stateless).
 */
public final class ListeningSocketOptions
{
    private static final int SOL_SOCKET = 1;
    private static final int SO_KEEPALIVE = 9;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;

    private static final MethodHandle GET_FD;
    private static final MethodHandle SET_INT_OPTION;

    static
    {
        MethodHandle getFd = null;
        MethodHandle setIntOption = null;
        try
        {
            final Class<?> net = Class.forName("sun.nio.ch.Net");
            final Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
            getFd = MethodHandles.privateLookupIn(selChImpl, MethodHandles.lookup())
                .findVirtual(selChImpl, "getFD", MethodType.methodType(FileDescriptor.class))
                .asType(MethodType.methodType(FileDescriptor.class, ServerSocketChannel.class));
            setIntOption = MethodHandles.privateLookupIn(net, MethodHandles.lookup()).findStatic(net, "setIntOption0",
                MethodType.methodType(void.class, FileDescriptor.class, boolean.class, int.class, int.class, int.class,
                boolean.class));
        }
        catch (final Throwable ex)
        {
            getFd = null;
            setIntOption = null;
        }
        GET_FD = getFd;
        SET_INT_OPTION = setIntOption;
    }

    private ListeningSocketOptions()
    {
    }

    /**
     * @return true when this JVM lets Vigil set these options on a listening socket.
     */
    public static boolean available()
    {
        return SET_INT_OPTION != null && !"false".equals(System.getProperty("vigil.listener-options"));
    }

    /**
     * @param listener a listening socket.
     * @param on       SO_KEEPALIVE for the sockets it will accept.
     * @return true when set.
     */
    public static boolean keepAlive(final ServerSocketChannel listener, final boolean on)
    {
        return set(listener, SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0);
    }

    /**
     * @param listener a listening socket.
     * @param on       TCP_NODELAY for the sockets it will accept.
     * @return true when set.
     */
    public static boolean tcpNodelay(final ServerSocketChannel listener, final boolean on)
    {
        return set(listener, IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0);
    }

    private static boolean set(final ServerSocketChannel listener, final int level, final int option, final int value)
    {
        if (listener instanceof NativeSocket socket && !"false".equals(System.getProperty("vigil.listener-options")))
        {
            try
            {
                socket.setIntOption(level, option, value);
                return true;
            }
            catch (final IOException ex)
            {
                return false;
            }
        }
        if (!available())
        {
            return false;
        }
        try
        {
            SET_INT_OPTION.invokeExact((FileDescriptor)GET_FD.invokeExact(listener), false, level, option, value,
                false);
            return true;
        }
        catch (final Throwable ex)
        {
            return false;
        }
    }
}
