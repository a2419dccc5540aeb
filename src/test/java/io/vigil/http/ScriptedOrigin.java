package io.vigil.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP origin whose first connection answers one request with keep-alive and then fails the second request it
 * is sent in a chosen way (the reused pooled connection); every later connection answers normally. Each response
 * says which connection carried it ({@code x-conn}). Requests are recorded as "METHOD connection".
 */
final class ScriptedOrigin implements AutoCloseable
{
    /** What the first connection does with its second request. */
    enum Failure
    {
        /** Read the request, then close (FIN): the idle-close race. */
        CLOSE,
        /** Read the request, then reset. */
        RESET,
        /** Read the request and never answer (read-timeout). */
        SILENT,
        /** Read the request's head, then close before its body: a stale connection met by an Expect: 100-continue. */
        CLOSE_AFTER_HEAD
    }

    private final ServerSocket server;
    private final Failure failure;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    /** "METHOD connection" for each whole request read. */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** Each whole request read, head and body, byte for byte (ISO-8859-1), in the order of {@link #requests}. */
    final List<String> raw = new CopyOnWriteArrayList<>();

    ScriptedOrigin(final Failure failure) throws IOException
    {
        this.failure = failure;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final Thread acceptor = new Thread(this::acceptLoop, "scripted-origin");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String hostPort()
    {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop()
    {
        try
        {
            while (true)
            {
                final Socket socket = server.accept();
                sockets.add(socket);
                final int id = connections.incrementAndGet();
                final Thread serve = new Thread(() -> serve(socket, id), "scripted-origin-" + id);
                serve.setDaemon(true);
                serve.start();
            }
        }
        catch (final IOException closed)
        {
            // the test is over
        }
    }

    private void serve(final Socket socket, final int id)
    {
        try
        {
            final InputStream in = new BufferedInputStream(socket.getInputStream());
            final OutputStream out = socket.getOutputStream();
            for (int served = 0; ; served++)
            {
                final StringBuilder bytes = new StringBuilder();
                final boolean failsAfterHead = id == 1 && served == 1 && failure == Failure.CLOSE_AFTER_HEAD;
                final String method = readRequest(in, out, bytes, failsAfterHead);
                if (failsAfterHead)
                {
                    requests.add(method + " " + id + " head");
                    socket.close();
                    return;
                }
                if (method == null)
                {
                    socket.close();
                    return;
                }
                raw.add(bytes.toString());
                requests.add(method + " " + id);
                if (id == 1 && served == 1)
                {
                    if (failure == Failure.RESET)
                    {
                        socket.setSoLinger(true, 0);
                    }
                    if (failure != Failure.SILENT)
                    {
                        socket.close();
                    }
                    return;
                }
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-conn: " + id + "\r\n\r\nok")
                    .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        }
        catch (final IOException ex)
        {
            // the peer went away
        }
    }

    /**
     * @param out       where a 100 Continue goes when the head asks for one, before the body is read.
     * @param bytes     where the request's bytes go.
     * @param headOnly  return after the head, answering nothing.
     * @return the method of the next whole request (head and a Content-Length or chunked body), or null at EOF.
     */
    private static String readRequest(final InputStream in, final OutputStream out, final StringBuilder bytes,
        final boolean headOnly) throws IOException
    {
        final StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n"))
        {
            final int b = in.read();
            if (b < 0)
            {
                return null;
            }
            head.append((char)b);
        }
        bytes.append(head);
        long length = 0;
        boolean chunked = false;
        boolean continues = false;
        for (final String line : head.toString().split("\r\n"))
        {
            final String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:"))
            {
                length = Long.parseLong(line.substring("content-length:".length()).trim());
            }
            chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
            continues |= lower.startsWith("expect:") && lower.contains("100-continue");
        }
        if (headOnly)
        {
            return head.substring(0, head.indexOf(" "));
        }
        if (continues)
        {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        if (chunked ? !readChunked(in, bytes) : !readBytes(in, bytes, length))
        {
            return null;
        }
        return head.substring(0, head.indexOf(" "));
    }

    /** A chunked body without trailers. */
    private static boolean readChunked(final InputStream in, final StringBuilder bytes) throws IOException
    {
        while (true)
        {
            final String sizeLine = readLine(in, bytes);
            if (sizeLine == null)
            {
                return false;
            }
            final long size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
            if (!readBytes(in, bytes, size) || readLine(in, bytes) == null)
            {
                return false;
            }
            if (size == 0)
            {
                return true;
            }
        }
    }

    private static String readLine(final InputStream in, final StringBuilder bytes) throws IOException
    {
        final StringBuilder line = new StringBuilder();
        while (line.length() < 2 || !line.substring(line.length() - 2).equals("\r\n"))
        {
            final int b = in.read();
            if (b < 0)
            {
                return null;
            }
            line.append((char)b);
        }
        bytes.append(line);
        return line.substring(0, line.length() - 2);
    }

    private static boolean readBytes(final InputStream in, final StringBuilder bytes, final long length)
        throws IOException
    {
        for (long i = 0; i < length; i++)
        {
            final int b = in.read();
            if (b < 0)
            {
                return false;
            }
            bytes.append((char)b);
        }
        return true;
    }

    @Override
    public void close() throws IOException
    {
        server.close();
        for (final Socket socket : sockets)
        {
            socket.close();
        }
    }
}
