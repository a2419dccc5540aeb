package io.vigil.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One client connection speaking HTTP/1.1 by hand: writes exactly the bytes a test gives and reads responses
 * with their framing (Content-Length, chunked with trailers, until close, none for HEAD/1xx/204/304), so tests
 * see what a strict client would see.
 */
public final class RawHttp implements AutoCloseable
{
    /**
     * A response as read.
     *
     * @param status  the status code.
     * @param headers header fields, names lower-cased (the last one wins).
     * @param body    the body (de-chunked).
     * @param raw     every byte of the response as received.
     */
    public record Response(int status, Map<String, String> headers, String body, String raw)
    {
        /**
         * @param name a lower-case header name.
         * @return its value or null.
         */
        public String header(final String name)
        {
            return headers.get(name);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /**
     * @param address where to connect.
     * @throws IOException when connecting fails.
     */
    public RawHttp(final InetSocketAddress address) throws IOException
    {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /**
     * @param socket a connected socket the caller set up (buffer sizes, timeouts).
     * @throws IOException when its streams cannot be had.
     */
    public RawHttp(final Socket socket) throws IOException
    {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /**
     * @return the socket.
     */
    public Socket socket()
    {
        return socket;
    }

    /**
     * @param text bytes to send, as ISO-8859-1.
     * @return this.
     * @throws IOException when writing fails.
     */
    public RawHttp send(final String text) throws IOException
    {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /**
     * @param path the path.
     * @return the response to {@code GET path} with Host set.
     * @throws IOException when the exchange fails.
     */
    public Response get(final String path) throws IOException
    {
        send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
        return read(false);
    }

    /**
     * Read one response.
     *
     * @param toHeadRequest the request was HEAD (no body follows).
     * @return the response.
     * @throws IOException when the connection ends before a whole response.
     */
    public Response read(final boolean toHeadRequest) throws IOException
    {
        final ByteArrayOutputStream raw = new ByteArrayOutputStream();
        final String statusLine = line(raw);
        if (statusLine == null)
        {
            throw new IOException("connection closed before a response");
        }
        final int status = Integer.parseInt(statusLine.substring(9, 12));
        final Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = line(raw)) != null && !line.isEmpty())
        {
            final int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        if (line == null)
        {
            throw new IOException("connection closed inside a response head");
        }
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final String te = headers.get("transfer-encoding");
        final String cl = headers.get("content-length");
        if (toHeadRequest || status < 200 || status == 204 || status == 304)
        {
            // no body
        }
        else if (te != null && te.toLowerCase(Locale.ROOT).endsWith("chunked"))
        {
            while (true)
            {
                final int size = Integer.parseInt(line(raw).split(";")[0].trim(), 16);
                if (size == 0)
                {
                    while ((line = line(raw)) != null && !line.isEmpty())
                    {
                        final int colon = line.indexOf(':');
                        headers.put("trailer." + line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).trim());
                    }
                    break;
                }
                final byte[] chunk = in.readNBytes(size);
                raw.write(chunk);
                body.write(chunk);
                line(raw);
            }
        }
        else if (cl != null)
        {
            final byte[] bytes = in.readNBytes(Integer.parseInt(cl));
            raw.write(bytes);
            body.write(bytes);
        }
        else
        {
            final byte[] bytes = in.readAllBytes();
            raw.write(bytes);
            body.write(bytes);
        }
        return new Response(status, headers, body.toString(StandardCharsets.ISO_8859_1),
            raw.toString(StandardCharsets.ISO_8859_1));
    }

    /**
     * @return true when the server closed the connection (EOF or reset) within the socket timeout.
     * @throws IOException when the wait times out.
     */
    public boolean closedByPeer() throws IOException
    {
        try
        {
            return in.read() < 0;
        }
        catch (final java.net.SocketException ex)
        {
            return true; // reset
        }
    }

    private String line(final ByteArrayOutputStream raw) throws IOException
    {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0)
        {
            raw.write(b);
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

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
