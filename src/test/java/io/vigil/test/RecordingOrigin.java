package io.vigil.test;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 origin for differential tests: it parses every request with a {@link StrictRequestReader}, records
 * each one (complete, or cut off inside its body) with the connection it came on and a global arrival number, and
 * records every grammar violation or hop-by-hop field that reached it. Blocking sockets, a thread per connection.
 *
 * <p>Each response echoes what arrived, so a client can check that its own request got through intact:
 * {@code X-Id} (query parameter {@code id}), {@code X-Digest} ({@link #digest} of the decoded body),
 * {@code X-Method}, {@code X-Tag} (the request's X-Tag field). The target's query picks the response:
 * {@code rlen=N} a body of {@link #responseBody}(id, N); {@code rt=l} Content-Length, {@code c} chunked with a
 * trailer (Content-Length to HTTP/1.0), {@code n} 204 without body, {@code u} no length, ended by close;
 * {@code rc=1} adds Connection: close; {@code early=1} sends a 103 Early Hints first; {@code reject=1} answers 413
 * with Connection: close before reading the body, then drains the connection. {@code Expect: 100-continue} gets a
 * 100 before a body is read.
 */
public final class RecordingOrigin implements AutoCloseable
{
    /**
     * One request as it arrived.
     *
     * @param connection which accepted connection (1, 2, ...).
     * @param seq        arrival order over all connections (the head's arrival).
     * @param id         the target's id parameter, or null.
     * @param method     the method.
     * @param target     the target.
     * @param bodyDigest {@link #digest} of the decoded body, or null when the body never completed.
     * @param complete   the whole message arrived.
     */
    public record Received(int connection, long seq, String id, String method, String target, String bodyDigest,
        boolean complete)
    {
    }

    /** Fields that are hop-by-hop: a proxy must not pass them on. X-Hop is what tests name in Connection. */
    private static final Set<String> HOP_BY_HOP = Set.of("keep-alive", "te", "trailer", "proxy-connection",
        "upgrade", "x-hop");
    /** {@link Received#bodyDigest} of a request refused before its body was read ({@code reject=1}). */
    public static final String REJECTED_EARLY = "rejected-early";

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EARLY_HINTS = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        .getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong arrivals = new AtomicLong();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private RecordingOrigin(final ServerSocket server)
    {
        this.server = server;
        final Thread acceptor = new Thread(this::acceptLoop, "recording-origin-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * @return an origin on 127.0.0.1 and an ephemeral port.
     * @throws IOException when it cannot bind.
     */
    public static RecordingOrigin start() throws IOException
    {
        final ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        return new RecordingOrigin(server);
    }

    /**
     * @return "127.0.0.1:port".
     */
    public String hostPort()
    {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /**
     * @return every request that arrived, complete or not, in the order it was recorded.
     */
    public List<Received> received()
    {
        return new ArrayList<>(received);
    }

    /**
     * @return every grammar violation and forbidden field seen, each naming its connection.
     */
    public List<String> violations()
    {
        return new ArrayList<>(violations);
    }

    /**
     * @return connections accepted so far.
     */
    public int connections()
    {
        return connections.get();
    }

    /**
     * @return connections open now (their threads still reading).
     */
    public int openConnections()
    {
        return open.get();
    }

    /**
     * @param body bytes.
     * @return a short hex digest (first 16 hex digits of SHA-256) and the length.
     */
    public static String digest(final byte[] body)
    {
        try
        {
            final byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
            return HexFormat.of().formatHex(hash, 0, 8) + "-" + body.length;
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @param id     the request's id.
     * @param length how many bytes.
     * @return the response body the origin sends for that id and length.
     */
    public static byte[] responseBody(final String id, final int length)
    {
        final byte[] pattern = ("<" + id + ">0123456789abcdefghijklmnopqrstuvwxyz\r\n").getBytes(
            StandardCharsets.US_ASCII);
        final byte[] body = new byte[length];
        for (int i = 0; i < length; i++)
        {
            body[i] = pattern[i % pattern.length];
        }
        return body;
    }

    private void acceptLoop()
    {
        while (!server.isClosed())
        {
            try
            {
                final Socket socket = server.accept();
                final int connection = connections.incrementAndGet();
                open.incrementAndGet();
                sockets.add(socket);
                final Thread thread = new Thread(() -> serve(socket, connection), "recording-origin-" + connection);
                thread.setDaemon(true);
                thread.start();
            }
            catch (final IOException ex)
            {
                return;
            }
        }
    }

    private void serve(final Socket socket, final int connection)
    {
        StrictRequestReader.Head head = null;
        long seq = -1;
        try (socket)
        {
            socket.setTcpNoDelay(true);
            final StrictRequestReader reader = new StrictRequestReader(new BufferedInputStream(
                socket.getInputStream(), 16 * 1024));
            final OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            while (true)
            {
                head = null;
                head = reader.readHead();
                if (head == null)
                {
                    return;
                }
                seq = arrivals.incrementAndGet();
                checkFields(connection, head);
                if ("1".equals(head.query("reject")))
                {
                    rejectEarly(socket, out, head, connection, seq);
                    return;
                }
                if (head.hasBody() && "100-continue".equalsIgnoreCase(head.field("expect")))
                {
                    out.write(CONTINUE);
                    out.flush();
                }
                final byte[] body = reader.readBody(head);
                final String digest = digest(body);
                received.add(new Received(connection, seq, head.query("id"), head.method(), head.target(), digest,
                    true));
                if (!respond(out, head, digest))
                {
                    return;
                }
            }
        }
        catch (final StrictRequestReader.Violation ex)
        {
            violations.add("connection " + connection + ": " + ex.getMessage() + (head == null ? "" :
                " (in " + head.method() + " " + head.target() + ")"));
        }
        catch (final IOException ex)
        {
            // EOF or reset inside a message: the proxy gave up on it
            if (head != null)
            {
                received.add(new Received(connection, seq, head.query("id"), head.method(), head.target(), null,
                    false));
            }
            else if (ex instanceof EOFException)
            {
                violations.add("connection " + connection + ": ended inside a head: " + ex.getMessage());
            }
        }
        finally
        {
            open.decrementAndGet();
            sockets.remove(socket);
        }
    }

    private void checkFields(final int connection, final StrictRequestReader.Head head)
    {
        for (final String[] field : head.fields())
        {
            final String name = field[0].toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name))
            {
                violations.add("connection " + connection + ": hop-by-hop field " + field[0] + " forwarded in " +
                    head.target());
            }
            if (name.equals("connection") && !field[1].equalsIgnoreCase("close") &&
                !field[1].equalsIgnoreCase("keep-alive"))
            {
                violations.add("connection " + connection + ": Connection: " + field[1] + " forwarded in " +
                    head.target());
            }
        }
    }

    /**
     * Refuse a request before reading its body, as a server does with an upload it will not take (413 instead of
     * a 100 Continue), then close the way a careful server does: our FIN first, the client's bytes drained until
     * its FIN, so that the refusal is not lost to a reset.
     */
    private void rejectEarly(final Socket socket, final OutputStream out, final StrictRequestReader.Head head,
        final int connection, final long seq) throws IOException
    {
        received.add(new Received(connection, seq, head.query("id"), head.method(), head.target(), REJECTED_EARLY,
            true));
        out.write(("HTTP/1.1 413 Content Too Large\r\nX-Id: " + head.query("id") + "\r\nX-Digest: " + REJECTED_EARLY +
            "\r\nX-Method: " + head.method() + "\r\n" + (head.field("x-tag") == null ? "" : "X-Tag: " +
            head.field("x-tag") + "\r\n") + "Content-Length: 8\r\nConnection: close\r\n\r\nrejected")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        try
        {
            socket.shutdownOutput();
            socket.setSoTimeout(5000);
            socket.getInputStream().transferTo(OutputStream.nullOutputStream());
        }
        catch (final IOException ex)
        {
            // the refusal is out; how the rest ends does not matter
        }
    }

    /** @return false when the connection closes after this response. */
    private static boolean respond(final OutputStream out, final StrictRequestReader.Head head, final String digest)
        throws IOException
    {
        final String id = head.query("id");
        final String type = head.query("rt") == null ? "l" : head.query("rt");
        final int length = head.query("rlen") == null ? 0 : Integer.parseInt(head.query("rlen"));
        final String connectionField = head.field("connection") == null ? "" : head.field("connection");
        final boolean close = "1".equals(head.query("rc")) || type.equals("u") ||
            connectionField.equalsIgnoreCase("close") ||
            head.versionMinor() == 0 && !connectionField.equalsIgnoreCase("keep-alive");
        final boolean chunked = type.equals("c") && head.versionMinor() == 1;
        final boolean noBody = head.method().equals("HEAD") || type.equals("n");
        final byte[] body = responseBody(String.valueOf(id), length);
        if ("1".equals(head.query("early")) && head.versionMinor() == 1)
        {
            out.write(EARLY_HINTS);
        }
        final StringBuilder text = new StringBuilder(type.equals("n") ? "HTTP/1.1 204 No Content\r\n" :
            "HTTP/1.1 200 OK\r\n");
        text.append("X-Id: ").append(id).append("\r\nX-Digest: ").append(digest)
            .append("\r\nX-Method: ").append(head.method()).append("\r\n");
        if (head.field("x-tag") != null)
        {
            text.append("X-Tag: ").append(head.field("x-tag")).append("\r\n");
        }
        if (chunked)
        {
            text.append("Transfer-Encoding: chunked\r\n");
        }
        else if (type.equals("l") || type.equals("c"))
        {
            text.append("Content-Length: ").append(length).append("\r\n");
        }
        if (close)
        {
            text.append("Connection: close\r\n");
        }
        text.append("\r\n");
        out.write(text.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!noBody)
        {
            if (chunked)
            {
                writeChunked(out, body);
            }
            else
            {
                out.write(body);
            }
        }
        out.flush();
        return !close;
    }

    private static void writeChunked(final OutputStream out, final byte[] body) throws IOException
    {
        int offset = 0;
        int size = 1;
        while (offset < body.length)
        {
            final int n = Math.min(size, body.length - offset);
            out.write((Integer.toHexString(n) + (size % 3 == 0 ? ";ext=v" : "") + "\r\n").getBytes(
                StandardCharsets.US_ASCII));
            out.write(body, offset, n);
            out.write('\r');
            out.write('\n');
            offset += n;
            size = size * 3 + 1;
        }
        out.write("0\r\nX-Trailer: done\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
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
