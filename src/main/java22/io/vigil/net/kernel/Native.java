package io.vigil.net.kernel;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library calls of Vigil's socket layer, linked once through the Foreign Function &amp; Memory API, with
 * Linux x86-64/aarch64 constants. Calls that never block (the sockets are non-blocking) are linked critical: no
 * thread-state transition, and heap segments may be passed. Every call captures errno into a caller's segment.
 */
final class Native
{
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int IPPROTO_TCP = 6;
    static final int IPPROTO_IPV6 = 41;
    static final int IPV6_V6ONLY = 26;
    static final int SO_REUSEADDR = 2;
    static final int SO_ERROR = 4;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_KEEPALIVE = 9;
    static final int SO_LINGER = 13;
    static final int SO_REUSEPORT = 15;
    static final int TCP_NODELAY = 1;
    static final int TCP_KEEPIDLE = 4;
    static final int TCP_KEEPINTVL = 5;
    static final int TCP_KEEPCNT = 6;
    static final int TCP_INFO = 11;
    static final int TCP_ESTABLISHED = 1;
    static final int TCP_SYN_SENT = 2;
    static final int SHUT_RD = 0;
    static final int SHUT_WR = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EINPROGRESS = 115;
    static final int ECONNRESET = 104;
    static final int ECONNABORTED = 103;
    static final int ENOTCONN = 107;
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int POLLIN = 0x001;
    static final int POLLOUT = 0x004;
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
    /** struct epoll_event is packed on x86-64: events (4) then data (8). */
    static final int EPOLL_EVENT_BYTES = 12;
    static final int SOCKADDR_BYTES = 128;

    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final MethodHandle SOCKET;
    static final MethodHandle BIND;
    static final MethodHandle LISTEN;
    static final MethodHandle CONNECT;
    static final MethodHandle ACCEPT4;
    static final MethodHandle READ;
    static final MethodHandle WRITE;
    /** read and write at a direct buffer's address, passed as a number: no MemorySegment to make per call. */
    static final MethodHandle READ_ADDRESS;
    static final MethodHandle WRITE_ADDRESS;
    /** The same calls without errno capture, which slices a segment per call: see SocketCalls. */
    static final MethodHandle READ_UNCAPTURED;
    static final MethodHandle WRITE_UNCAPTURED;
    static final MethodHandle WRITEV_UNCAPTURED;
    static final MethodHandle EPOLL_WAIT_UNCAPTURED;
    /** The calling thread's errno cell: read right after an uncaptured call failed, as a hint only. */
    static final MethodHandle ERRNO_LOCATION;
    static final MethodHandle WRITEV;
    static final MethodHandle SHUTDOWN;
    static final MethodHandle CLOSE;
    static final MethodHandle GETSOCKOPT;
    static final MethodHandle SETSOCKOPT;
    static final MethodHandle GETSOCKNAME;
    static final MethodHandle GETPEERNAME;
    static final MethodHandle EPOLL_CREATE1;
    static final MethodHandle EPOLL_CTL;
    static final MethodHandle EPOLL_WAIT;
    static final MethodHandle EVENTFD;
    static final MethodHandle POLL;
    static final MethodHandle STRERROR;

    private static final ValueLayout I = ValueLayout.JAVA_INT;
    private static final ValueLayout L = ValueLayout.JAVA_LONG;
    private static final ValueLayout P = ValueLayout.ADDRESS;

    static
    {
        SOCKET = link("socket", true, FunctionDescriptor.of(I, I, I, I));
        BIND = link("bind", true, FunctionDescriptor.of(I, I, P, I));
        LISTEN = link("listen", true, FunctionDescriptor.of(I, I, I));
        CONNECT = link("connect", true, FunctionDescriptor.of(I, I, P, I));
        ACCEPT4 = link("accept4", true, FunctionDescriptor.of(I, I, P, P, I));
        READ = linkHeap("read", FunctionDescriptor.of(L, I, P, L));
        WRITE = linkHeap("write", FunctionDescriptor.of(L, I, P, L));
        READ_ADDRESS = link("read", true, FunctionDescriptor.of(L, I, L, L));
        WRITE_ADDRESS = link("write", true, FunctionDescriptor.of(L, I, L, L));
        READ_UNCAPTURED = linkUncaptured("read", true, FunctionDescriptor.of(L, I, L, L));
        WRITE_UNCAPTURED = linkUncaptured("write", true, FunctionDescriptor.of(L, I, L, L));
        WRITEV_UNCAPTURED = linkUncaptured("writev", true, FunctionDescriptor.of(L, I, P, I));
        EPOLL_WAIT_UNCAPTURED = linkUncaptured("epoll_wait", false, FunctionDescriptor.of(I, I, P, I, I));
        ERRNO_LOCATION = linkUncaptured("__errno_location", true, FunctionDescriptor.of(P));
        WRITEV = link("writev", true, FunctionDescriptor.of(L, I, P, I));
        SHUTDOWN = link("shutdown", true, FunctionDescriptor.of(I, I, I));
        CLOSE = link("close", false, FunctionDescriptor.of(I, I));
        GETSOCKOPT = link("getsockopt", true, FunctionDescriptor.of(I, I, I, I, P, P));
        SETSOCKOPT = link("setsockopt", true, FunctionDescriptor.of(I, I, I, I, P, I));
        GETSOCKNAME = link("getsockname", true, FunctionDescriptor.of(I, I, P, P));
        GETPEERNAME = link("getpeername", true, FunctionDescriptor.of(I, I, P, P));
        EPOLL_CREATE1 = link("epoll_create1", true, FunctionDescriptor.of(I, I));
        EPOLL_CTL = link("epoll_ctl", true, FunctionDescriptor.of(I, I, I, I, P));
        EPOLL_WAIT = link("epoll_wait", false, FunctionDescriptor.of(I, I, P, I, I));
        EVENTFD = link("eventfd", true, FunctionDescriptor.of(I, I, I));
        POLL = link("poll", true, FunctionDescriptor.of(I, P, L, I));
        STRERROR = link("strerror", true, FunctionDescriptor.of(P, I));
    }

    private Native()
    {
    }

    @SuppressWarnings("restricted") // Vigil's jar declares Enable-Native-Access; a warning at most without it
    private static MethodHandle link(final String name, final boolean critical, final FunctionDescriptor descriptor)
    {
        final Linker linker = Linker.nativeLinker();
        final MemorySegment symbol = linker.defaultLookup().find(name).orElseThrow();
        if (name.equals("strerror"))
        {
            return linker.downcallHandle(symbol, descriptor);
        }
        return critical ?
            linker.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"),
                Linker.Option.critical(false)) :
            linker.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
    }

    @SuppressWarnings("restricted")
    private static MethodHandle linkUncaptured(final String name, final boolean critical,
        final FunctionDescriptor descriptor)
    {
        final Linker linker = Linker.nativeLinker();
        final MemorySegment symbol = linker.defaultLookup().find(name).orElseThrow();
        return critical ? linker.downcallHandle(symbol, descriptor, Linker.Option.critical(false)) :
            linker.downcallHandle(symbol, descriptor);
    }

    /** Critical and allowed heap segments: a heap ByteBuffer is read into or written from in place. */
    @SuppressWarnings("restricted")
    private static MethodHandle linkHeap(final String name, final FunctionDescriptor descriptor)
    {
        final Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor,
            Linker.Option.captureCallState("errno"), Linker.Option.critical(true));
    }

    static int errno(final MemorySegment state)
    {
        return (int)ERRNO.get(state, 0L);
    }

    /**
     * @return the C library's text for errno, as the JDK's exceptions carry it (e.g. "Broken pipe").
     */
    @SuppressWarnings("restricted") // reading the C library's message, bounded by its terminating zero
    static String strerror(final int errno)
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

    static int close(final MemorySegment state, final int fd)
    {
        try
        {
            return (int)CLOSE.invokeExact(state, fd);
        }
        catch (final Throwable ex)
        {
            return -1;
        }
    }
}
