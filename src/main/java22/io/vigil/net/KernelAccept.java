package io.vigil.net;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * Accepts from one listening socket with {@code accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)} through the Foreign
 * Function &amp; Memory API (Java 22+): the multi-release jar's {@code META-INF/versions/22} copy of this class.
 * The JDK's accept checks each new socket is blocking ({@code fcntl F_GETFL}) and Vigil then makes it non-blocking
 * ({@code F_GETFL} + {@code F_SETFL}); a socket born non-blocking needs only the JDK's own {@code F_GETFL} when
 * {@code configureBlocking(false)} records the mode: two syscalls fewer per connection, as nginx's accept4.
 *
 * <p>The descriptor becomes the JDK's own channel for an accepted socket ({@code sun.nio.ch.SocketChannelImpl}'s
 * constructor that {@code ServerSocketChannel.accept} uses, reached through the {@code --add-opens
 * java.base/sun.nio.ch} Vigil runs with): closing, socket options, selector registration and the local and remote
 * addresses behave exactly as for a socket the JDK accepted. Without that access, for a Unix-domain listener, or
 * with {@code -Dvigil.accept.kernel=false}, it is the JDK's accept.
 *
 * <p>Thread safety: one instance per listening socket, used on the thread that owns it (the buffers are its own).
 */
public final class KernelAccept
{
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int ECONNABORTED = 103;
    private static final int EMFILE = 24;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    /** sizeof(struct sockaddr_storage). */
    private static final int SOCKADDR_BYTES = 128;
    /** An aborted handshake or a signal: try again, but not forever. */
    private static final int RETRIES = 16;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle ACCEPT4;
    private static final MethodHandle CLOSE;
    private static final MethodHandle STRERROR;
    private static final MethodHandle NEW_FD;
    private static final MethodHandle NEW_CHANNEL;
    private static final MethodHandle SERVER_FAMILY;
    private static final String UNAVAILABLE_REASON;

    static
    {
        MethodHandle accept4 = null;
        MethodHandle close = null;
        MethodHandle strerror = null;
        MethodHandle newFd = null;
        MethodHandle newChannel = null;
        MethodHandle serverFamily = null;
        String reason = null;
        if (!Boolean.parseBoolean(System.getProperty("vigil.accept.kernel", "true")))
        {
            reason = "turned off (-Dvigil.accept.kernel=false)";
        }
        else if (!System.getProperty("os.name", "").startsWith("Linux"))
        {
            reason = "not Linux (the flag, errno and sockaddr values here are Linux's)";
        }
        else
        {
            try
            {
                accept4 = link("accept4", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), true);
                close = link("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
                strerror = link("strerror", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT), false);
                final Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil");
                final Class<?> channelImpl = Class.forName("sun.nio.ch.SocketChannelImpl");
                final Class<?> serverImpl = Class.forName("sun.nio.ch.ServerSocketChannelImpl");
                newFd = MethodHandles.privateLookupIn(ioUtil, MethodHandles.lookup())
                    .findStatic(ioUtil, "newFD", MethodType.methodType(FileDescriptor.class, int.class));
                newChannel = MethodHandles.privateLookupIn(channelImpl, MethodHandles.lookup())
                    .findConstructor(channelImpl, MethodType.methodType(void.class, SelectorProvider.class,
                        ProtocolFamily.class, FileDescriptor.class, SocketAddress.class))
                    .asType(MethodType.methodType(SocketChannel.class, SelectorProvider.class, ProtocolFamily.class,
                        FileDescriptor.class, SocketAddress.class));
                serverFamily = MethodHandles.privateLookupIn(serverImpl, MethodHandles.lookup())
                    .findGetter(serverImpl, "family", ProtocolFamily.class)
                    .asType(MethodType.methodType(ProtocolFamily.class, ServerSocketChannel.class));
            }
            catch (final ReflectiveOperationException | RuntimeException ex)
            {
                reason = "cannot call accept4 and wrap its socket in the JDK's channel (needs --add-opens " +
                    "java.base/sun.nio.ch=ALL-UNNAMED): " + ex;
            }
        }
        final boolean usable = reason == null;
        ACCEPT4 = usable ? accept4 : null;
        CLOSE = usable ? close : null;
        STRERROR = usable ? strerror : null;
        NEW_FD = usable ? newFd : null;
        NEW_CHANNEL = usable ? newChannel : null;
        SERVER_FAMILY = usable ? serverFamily : null;
        UNAVAILABLE_REASON = reason;
    }

    static
    {
        if (UNAVAILABLE_REASON == null)
        {
            // load what an error message needs now, not when the process is out of descriptors (class loading
            // from a directory needs one)
            strerror(EMFILE);
        }
    }

    private final ServerSocketChannel server;
    /** The listening descriptor, or -1: then the JDK's accept. */
    private final int fd;
    private final ProtocolFamily family;
    private final MemorySegment address;
    private final MemorySegment length;
    private final MemorySegment state;

    /**
     * @param server a bound, non-blocking listening socket.
     */
    public KernelAccept(final ServerSocketChannel server)
    {
        this.server = server;
        ProtocolFamily serverFamily = null;
        int serverFd = -1;
        if (UNAVAILABLE_REASON == null && server.provider() == SelectorProvider.provider())
        {
            try
            {
                serverFamily = (ProtocolFamily)SERVER_FAMILY.invokeExact(server);
            }
            catch (final Throwable ex)
            {
                serverFamily = null;
            }
            if (serverFamily == StandardProtocolFamily.INET || serverFamily == StandardProtocolFamily.INET6)
            {
                serverFd = SocketFds.fd(server);
            }
        }
        this.family = serverFamily;
        this.fd = serverFd;
        final Arena arena = serverFd < 0 ? null : Arena.ofAuto();
        this.address = arena == null ? null : arena.allocate(SOCKADDR_BYTES, 8);
        this.length = arena == null ? null : arena.allocate(ValueLayout.JAVA_INT);
        this.state = arena == null ? null : arena.allocate(CAPTURE);
    }

    /** int NAME(...), capturing errno when asked. */
    @SuppressWarnings("restricted") // Vigil's jar declares Enable-Native-Access; a warning at most without it
    private static MethodHandle link(final String name, final FunctionDescriptor descriptor, final boolean errno)
    {
        final Linker linker = Linker.nativeLinker();
        final MemorySegment symbol = linker.defaultLookup().find(name).orElseThrow();
        return errno ? linker.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno")) :
            linker.downcallHandle(symbol, descriptor);
    }

    /**
     * @return why accept4 is not used in this JVM, or null when it is (for listening sockets of the JDK's
     *         default provider, TCP).
     */
    public static String unavailableReason()
    {
        return UNAVAILABLE_REASON;
    }

    /**
     * @return the accepted socket (configure it non-blocking before registering it: on Java 22+ that finds it
     *         non-blocking already and costs one fcntl), or null when none is waiting.
     * @throws IOException as {@link ServerSocketChannel#accept()}.
     */
    public SocketChannel accept() throws IOException
    {
        if (fd < 0)
        {
            return server.accept();
        }
        if (!server.isOpen())
        {
            throw new ClosedChannelException(); // its descriptor number may belong to another socket by now
        }
        for (int tries = 0; ; tries++)
        {
            length.set(ValueLayout.JAVA_INT, 0, SOCKADDR_BYTES);
            final int accepted;
            try
            {
                accepted = (int)ACCEPT4.invokeExact(state, fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
            }
            catch (final Throwable ex)
            {
                throw new IOException("accept4 failed", ex);
            }
            if (accepted >= 0)
            {
                return wrap(accepted);
            }
            final int errno = (int)ERRNO.get(state, 0L);
            if (errno == EAGAIN)
            {
                return null;
            }
            if (errno == EINTR || errno == ECONNABORTED)
            {
                if (tries < RETRIES)
                {
                    continue; // as the JDK: an aborted handshake is not the listener's failure
                }
                return null; // still readable: the next select tries again, with no pause of the listener
            }
            throw new IOException(strerror(errno)); // the JDK's text, e.g. "Too many open files"
        }
    }

    private SocketChannel wrap(final int accepted) throws IOException
    {
        try
        {
            final SocketAddress remote = remoteAddress();
            final FileDescriptor descriptor = (FileDescriptor)NEW_FD.invokeExact(accepted);
            return (SocketChannel)NEW_CHANNEL.invokeExact(SelectorProvider.provider(), family, descriptor, remote);
        }
        catch (final Throwable ex)
        {
            closeQuietly(accepted);
            if (ex instanceof IOException io)
            {
                throw io;
            }
            throw new IOException("cannot wrap an accepted socket", ex);
        }
    }

    private SocketAddress remoteAddress() throws IOException
    {
        final int addressFamily = address.get(ValueLayout.JAVA_SHORT, 0);
        final int port = (address.get(ValueLayout.JAVA_BYTE, 2) & 0xff) << 8 |
            address.get(ValueLayout.JAVA_BYTE, 3) & 0xff;
        if (addressFamily == AF_INET)
        {
            final byte[] bytes = new byte[4];
            MemorySegment.copy(address, ValueLayout.JAVA_BYTE, 4, bytes, 0, bytes.length);
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        }
        if (addressFamily == AF_INET6)
        {
            final byte[] bytes = new byte[16];
            MemorySegment.copy(address, ValueLayout.JAVA_BYTE, 8, bytes, 0, bytes.length);
            final int scope = address.get(ValueLayout.JAVA_INT, 24);
            // as the JDK: an IPv4-mapped address is the IPv4 one (getByAddress maps it)
            final InetAddress peer = scope != 0 ? Inet6Address.getByAddress(null, bytes, scope) :
                InetAddress.getByAddress(bytes);
            return new InetSocketAddress(peer, port);
        }
        throw new IOException("accept4: unexpected address family " + addressFamily);
    }

    @SuppressWarnings("restricted") // reading the C library's message, bounded by its terminating zero
    private static String strerror(final int errno)
    {
        try
        {
            final MemorySegment text = (MemorySegment)STRERROR.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "errno " + errno : text.reinterpret(256).getString(0);
        }
        catch (final Throwable ex)
        {
            return "errno " + errno;
        }
    }

    private static void closeQuietly(final int descriptor)
    {
        try
        {
            final int ignored = (int)CLOSE.invokeExact(descriptor);
        }
        catch (final Throwable ex)
        {
            // nothing more to do: the descriptor is lost either way
        }
    }
}
