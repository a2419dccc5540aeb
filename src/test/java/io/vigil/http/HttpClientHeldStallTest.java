package io.vigil.http;

import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.test.Await;
import io.vigil.test.EndlessWriter;
import io.vigil.test.Closer;
import io.vigil.test.RawHttp;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Nothing a client does may count as a server failure: a client that uploads a body to an origin that answers while
 * it reads (a stream, an echo, an early reply) and does not read that answer fills Vigil's response buffer; Vigil
 * then stops reading the origin, the origin blocks on writing and stops reading the body, and the body's bytes wait
 * for the origin. That stall is the client's doing. Before the fix, after the upstream's send-timeout (or
 * user-timeout) Vigil answered 504 and counted a failure, and with the default max-fails = 1 every other client got
 * 502 for fail-timeout: one connection took the server out.
 */
@Timeout(60)
class HttpClientHeldStallTest
{
    private static final String BIG = "1073741824";

    @Test
    void shouldNotBlameTheServerForAStallTheClientCaused() throws Exception
    {
        try (Closer closer = new Closer();
            ServerSocket origin = new ServerSocket(0, 50, InetAddress.getLoopbackAddress()))
        {
            final Thread originThread = new Thread(() -> serve(origin), "origin");
            originThread.setDaemon(true);
            originThread.start();
            final VigilHarness vigil = closer.keep(VigilHarness.start(HttpConfigs.web(1,
                "\"127.0.0.1:" + origin.getLocalPort() + "\"", ", client-max-body-size = 0",
                "send-timeout = 1s, user-timeout = 1s")));

            final Socket uploader = closer.keep(new Socket());
            uploader.setReceiveBufferSize(4096); // and it never reads: the response backs up into Vigil
            uploader.connect(vigil.address("web"));
            final EndlessWriter upload = EndlessWriter.start(uploader,
                ("POST /stream HTTP/1.1\r\nHost: a\r\nContent-Length: " + BIG + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));

            // the upload stalls: every buffer between the client and the origin is full
            Await.until(upload::stalled, Duration.ofSeconds(20), "the upload to stall");
            // three times the timeouts and their sweep: a 504 and a server failure came within ~2 s before the fix
            final long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline)
            {
                assertFalse(vigil.closed().stream().anyMatch(c -> c.side() == Side.UPSTREAM),
                    "the server was blamed: " + vigil.closed());
                Thread.sleep(50);
            }
            try (RawHttp other = new RawHttp(vigil.address("web")))
            {
                assertEquals(200, other.get("/hello").status(), "the server is still up for everyone else");
            }
            assertFalse(vigil.accessLog().contains("status=504"), vigil.accessLog());
            assertFalse(vigil.closed().stream().anyMatch(c -> c.reason() == CloseReason.USER_TIMEOUT &&
                c.side() == Side.UPSTREAM), vigil.closed().toString());
        }
    }

    /** /stream answers with an endless body before reading the request's; anything else gets "ok". */
    private static void serve(final ServerSocket origin)
    {
        while (!origin.isClosed())
        {
            try
            {
                final Socket peer = origin.accept();
                final Thread handler = new Thread(() -> answer(peer), "origin-conn");
                handler.setDaemon(true);
                handler.start();
            }
            catch (final IOException closed)
            {
                return;
            }
        }
    }

    private static void answer(final Socket peer)
    {
        try (peer)
        {
            final InputStream in = peer.getInputStream();
            final OutputStream out = peer.getOutputStream();
            while (true)
            {
                final String head = readHead(in);
                if (head == null)
                {
                    return;
                }
                if (head.startsWith("POST /stream"))
                {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + BIG + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                    final byte[] chunk = new byte[16 * 1024];
                    while (true)
                    {
                        out.write(chunk); // blocks once nobody reads; the body is never read
                    }
                }
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
        catch (final IOException closed)
        {
            // Vigil closed it
        }
    }

    private static String readHead(final InputStream in) throws IOException
    {
        final StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n"))
        {
            final int b = in.read();
            if (b < 0)
            {
                return null;
            }
            head.append((char)b);
        }
        return head.toString();
    }
}
