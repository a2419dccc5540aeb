package io.vigil.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 origin for tests, with blocking sockets and a thread per connection: it counts the TCP
 * connections it accepted, keeps every byte it received (to prove what was, and was not, forwarded) and answers
 * by path. Every response carries {@code X-Conn: N}, the number of the connection that served it.
 *
 * <p>Paths: {@code /hello} (200 "hello"), {@code /echo} (the request body back), {@code /chunked} (a chunked
 * body with a trailer), {@code /eof} (no length, body ends at close), {@code /close} (Connection: close),
 * {@code /status/N} (status N, no body for 1xx/204/304), {@code /slow/MS} (answer after MS), {@code /bad}
 * (a malformed response), {@code /big/N} (N bytes), {@code /upgrade} (101 then echo every byte). HEAD gets the
 * headers only. {@code Expect: 100-continue} gets a 100 first.
 */
public final class TestOrigin implements AutoCloseable
{
    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private volatile String extraHeaders = "";
    private volatile int idleCloseMs;
    private volatile boolean dropNextReusedRequest;
    private volatile boolean dropAllRequests;

    private TestOrigin(final ServerSocket server)
    {
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "test-origin-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /**
     * @return an origin on 127.0.0.1 and an ephemeral port.
     * @throws IOException when it cannot bind.
     */
    public static TestOrigin start() throws IOException
    {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /**
     * @param bind where to listen.
     * @return the origin.
     * @throws IOException when it cannot bind.
     */
    public static TestOrigin start(final InetSocketAddress bind) throws IOException
    {
        final ServerSocket server = new ServerSocket();
        server.bind(bind, 1024);
        return new TestOrigin(server);
    }

    /**
     * @return "127.0.0.1:port".
     */
    public String hostPort()
    {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /**
     * @return TCP connections accepted so far.
     */
    public int connections()
    {
        return connections.get();
    }

    /**
     * @return connections open now.
     */
    public int openConnections()
    {
        return open.get();
    }

    /**
     * @return requests answered (or dropped) so far.
     */
    public int requests()
    {
        return requests.get();
    }

    /**
     * @return every byte received on every connection, as ISO-8859-1 text.
     */
    public String received()
    {
        synchronized (received)
        {
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * @param headers raw header lines (each ending in CRLF) added to every response, e.g. a Keep-Alive timeout.
     */
    public void extraHeaders(final String headers)
    {
        this.extraHeaders = headers;
    }

    /**
     * @param ms close a connection that has been idle between requests this long (0 = never).
     */
    public void idleCloseMs(final int ms)
    {
        this.idleCloseMs = ms;
    }

    /**
     * The next request that arrives on an already used connection is read and the connection closed without an
     * answer: the race in which a server closes an idle keep-alive connection just as a request arrives.
     */
    public void dropNextReusedRequest()
    {
        this.dropNextReusedRequest = true;
    }

    /**
     * @param drop read every request and close without answering.
     */
    public void dropAllRequests(final boolean drop)
    {
        this.dropAllRequests = drop;
    }

    /**
     * Close every open connection now (a FIN each), as a server's idle close would.
     */
    public void closeAll()
    {
        for (final Socket socket : sockets)
        {
            try
            {
                socket.close();
            }
            catch (final IOException ex)
            {
                // closing anyway
            }
        }
    }

    /**
     * Write {@code bytes} on every open connection now, unasked, as a server's 408 before its idle close (or the late
     * tail of an earlier response) would arrive.
     *
     * @param bytes what to send.
     */
    public void sendToAll(final String bytes)
    {
        for (final Socket socket : sockets)
        {
            try
            {
                socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
            }
            catch (final IOException ex)
            {
                // a closed connection gets nothing
            }
        }
    }

    /**
     * Reset every open connection (SO_LINGER 0), as a crashed server's kernel would.
     */
    public void resetAll()
    {
        for (final Socket socket : sockets)
        {
            try
            {
                socket.setSoLinger(true, 0);
                socket.close();
            }
            catch (final IOException ex)
            {
                // closing anyway
            }
        }
    }

    private void acceptLoop()
    {
        while (!server.isClosed())
        {
            try
            {
                final Socket socket = server.accept();
                final int id = connections.incrementAndGet();
                open.incrementAndGet();
                sockets.add(socket);
                final Thread thread = new Thread(() -> serve(socket, id), "test-origin-" + id);
                thread.setDaemon(true);
                thread.start();
            }
            catch (final IOException ex)
            {
                return;
            }
        }
    }

    private void serve(final Socket socket, final int id)
    {
        try (socket)
        {
            socket.setTcpNoDelay(true);
            final InputStream in = socket.getInputStream();
            final OutputStream out = socket.getOutputStream();
            int served = 0;
            while (true)
            {
                socket.setSoTimeout(served > 0 && idleCloseMs > 0 ? idleCloseMs : 0);
                final Request request;
                try
                {
                    request = Request.read(in, this::record, out);
                }
                catch (final java.net.SocketTimeoutException ex)
                {
                    return; // idle close
                }
                if (request == null)
                {
                    return;
                }
                requests.incrementAndGet();
                if (dropAllRequests || served > 0 && dropNextReusedRequest)
                {
                    dropNextReusedRequest = false;
                    return;
                }
                served++;
                if (!respond(request, id, socket, in, out))
                {
                    return;
                }
            }
        }
        catch (final IOException ex)
        {
            // the peer went away
        }
        finally
        {
            open.decrementAndGet();
            sockets.remove(socket);
        }
    }

    private void record(final byte[] bytes, final int length)
    {
        synchronized (received)
        {
            received.write(bytes, 0, length);
        }
    }

    /** @return false when the connection must close after this response. */
    private boolean respond(
        final Request request, final int id, final Socket socket, final InputStream in, final OutputStream out)
        throws IOException
    {
        final String path = request.target;
        final boolean head = request.method.equals("HEAD");
        final String common = "X-Conn: " + id + "\r\n" + extraHeaders;
        if (path.equals("/bad"))
        {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok"
                .getBytes(StandardCharsets.ISO_8859_1));
            return false;
        }
        if (request.method.equals("CONNECT"))
        {
            // a catch-all that opens any tunnel asked for: what makes CONNECT dangerous behind a proxy
            out.write(("HTTP/1.1 200 Connection Established\r\n" + common +
                "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            socket.setSoTimeout(0);
            in.transferTo(out);
            return false;
        }
        if (path.equals("/upgrade") && request.header("upgrade") != null)
        {
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: " + request.header("upgrade") +
                "\r\nConnection: Upgrade\r\n" + common + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            socket.setSoTimeout(0);
            final byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0)
            {
                out.write(buffer, 0, n);
            }
            return false;
        }
        if (path.startsWith("/slow/"))
        {
            sleep(Integer.parseInt(path.substring(6)));
            return send(out, 200, common, "slow".getBytes(StandardCharsets.ISO_8859_1), head, false);
        }
        if (path.startsWith("/status/"))
        {
            final int status = Integer.parseInt(path.substring(8));
            final boolean noBody = status < 200 || status == 204 || status == 304;
            if (noBody)
            {
                // a wrong Content-Length on 304 is allowed (it describes the cached entity); no body follows
                out.write(("HTTP/1.1 " + status + " X\r\n" + common + (status == 304 ? "Content-Length: 99\r\n" : "") +
                    "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return true;
            }
            return send(out, status, common, ("status " + status).getBytes(StandardCharsets.ISO_8859_1), head, false);
        }
        if (path.startsWith("/big/"))
        {
            final byte[] body = new byte[Integer.parseInt(path.substring(5))];
            for (int i = 0; i < body.length; i++)
            {
                body[i] = (byte)('a' + i % 26);
            }
            return send(out, 200, common, body, head, false);
        }
        switch (path)
        {
            case "/echo":
                return send(out, 200, common, request.body, head, false);
            case "/close":
                send(out, 200, common, "bye".getBytes(StandardCharsets.ISO_8859_1), head, true);
                return false;
            case "/huge-chunk":
                // a chunk size of 2^63: wraps a long negative in a parser that multiplies before checking
                out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + common + "\r\n" +
                    "8000000000000000\r\nxxxxxxxx\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return false;
            case "/eof":
                out.write(("HTTP/1.1 200 OK\r\n" + common +
                    "\r\nuntil-close body").getBytes(StandardCharsets.ISO_8859_1));
                return false;
            case "/chunked":
                out.write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n" + common + "\r\n" +
                    (head ? "" : "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Sum: 12\r\n\r\n"))
                    .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return true;
            default:
                return send(out, 200, common, "hello".getBytes(StandardCharsets.ISO_8859_1), head, false);
        }
    }

    private static boolean send(
        final OutputStream out, final int status, final String headers, final byte[] body, final boolean head,
        final boolean close) throws IOException
    {
        out.write(("HTTP/1.1 " + status + " OK\r\nContent-Length: " + body.length + "\r\n" + headers +
            (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        if (!head)
        {
            out.write(body);
        }
        out.flush();
        return !close;
    }

    private static void sleep(final int ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException
    {
        server.close();
        resetAll();
    }

    interface Recorder
    {
        void record(byte[] bytes, int length);
    }

    /** A request as the origin read it: method, target, headers, de-chunked body. */
    static final class Request
    {
        String method;
        String target;
        final List<String[]> headers = new ArrayList<>();
        byte[] body = new byte[0];

        String header(final String name)
        {
            for (final String[] header : headers)
            {
                if (header[0].equalsIgnoreCase(name))
                {
                    return header[1];
                }
            }
            return null;
        }

        static Request read(final InputStream in, final Recorder recorder, final OutputStream out) throws IOException
        {
            final String requestLine = line(in, recorder);
            if (requestLine == null)
            {
                return null;
            }
            final Request request = new Request();
            final String[] parts = requestLine.split(" ");
            request.method = parts[0];
            request.target = parts.length > 1 ? parts[1] : "/";
            String line;
            while ((line = line(in, recorder)) != null && !line.isEmpty())
            {
                final int colon = line.indexOf(':');
                request.headers.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
            }
            if (line == null)
            {
                return null;
            }
            if ("100-continue".equalsIgnoreCase(request.header("expect")))
            {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            final String te = request.header("transfer-encoding");
            final String cl = request.header("content-length");
            if (te != null && te.toLowerCase(Locale.ROOT).endsWith("chunked"))
            {
                final ByteArrayOutputStream body = new ByteArrayOutputStream();
                while (true)
                {
                    final String sizeLine = line(in, recorder);
                    final int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                    if (size == 0)
                    {
                        while ((line = line(in, recorder)) != null && !line.isEmpty())
                        {
                            request.headers.add(new String[] {"trailer:" + line, ""});
                        }
                        break;
                    }
                    body.write(exactly(in, size, recorder));
                    line(in, recorder);
                }
                request.body = body.toByteArray();
            }
            else if (cl != null)
            {
                request.body = exactly(in, Integer.parseInt(cl), recorder);
            }
            return request;
        }

        private static byte[] exactly(final InputStream in, final int n, final Recorder recorder) throws IOException
        {
            final byte[] bytes = in.readNBytes(n);
            recorder.record(bytes, bytes.length);
            if (bytes.length < n)
            {
                throw new SocketException("short body");
            }
            return bytes;
        }

        private static String line(final InputStream in, final Recorder recorder) throws IOException
        {
            final ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0)
            {
                recorder.record(new byte[] {(byte)b}, 1);
                if (b == '\n')
                {
                    final byte[] bytes = line.toByteArray();
                    final int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 :
                        bytes.length;
                    return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
                }
                line.write(b);
            }
            return null;
        }
    }
}
