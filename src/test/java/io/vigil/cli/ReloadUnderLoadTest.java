package io.vigil.cli;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.TestOrigin;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 20 reloads under load, alternating two valid configurations (weights, keepalive, timeouts differ), half by
 * SIGHUP and half by POST /reload: wrk on the HTTP listener and a connect-per-exchange loop on the TCP listener
 * see no failed request and no refused connection, and 50 TCP sessions opened before the first reload relay
 * both ways, byte-exact, after the last.
 */
@Timeout(120)
class ReloadUnderLoadTest
{
    private static final int RELOADS = 20;
    private static final int LONG_LIVED = 50;
    private static final int WRK_SECONDS = 14;
    private static final long RELOAD_GAP_MS = 300;
    private static final int TCP_EXCHANGES_MAX = 200_000;

    @RegisterExtension
    final Closer closer = new Closer();

    private static String config(final TestUpstream echo, final TestOrigin one, final TestOrigin two,
        final boolean variant)
    {
        return "vigil {\n" +
            "  event-loops = 2, shutdown-timeout = 2s\n" +
            "  admin { listen = \"127.0.0.1:0\" }\n" +
            "  listeners = [\n" +
            "    { name = tcp, listen = \"127.0.0.1:0\", upstream = echo, access-log = false, so-keepalive = \"" +
            (variant ? "30:5:3" : "60:10:4") + "\" }\n" +
            "    { name = web, listen = \"127.0.0.1:0\", mode = http, upstream = app, access-log = false, " +
            "keepalive-timeout = " +
            (variant ? "30s" : "60s") + " }\n" +
            "  ]\n" +
            "  upstreams {\n" +
            "    echo { servers = [\"" + echo.hostPort() + "\"], connect-timeout = " + (variant ? "3s" : "5s") +
            " }\n" +
            "    app { servers = [\"" + one.hostPort() + " weight=" + (variant ? 3 : 1) + "\", \"" +
            two.hostPort() + "\"] }\n" +
            "  }\n}\n";
    }

    @Test
    void shouldDropNothingAcross20ReloadsUnderLoad() throws Exception
    {
        final TestUpstream echo = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestOrigin one = closer.keep(TestOrigin.start());
        final TestOrigin two = closer.keep(TestOrigin.start());
        final Path file = Files.createTempFile("vigil-load", ".conf");
        Files.writeString(file, config(echo, one, two, false));
        final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c", file.toString()));
        final int tcp = vigil.port("tcp");
        final int web = vigil.port("web");
        final InetSocketAddress admin = vigil.admin();

        final List<Socket> longLived = new ArrayList<>();
        for (int i = 0; i < LONG_LIVED; i++)
        {
            final Socket session = closer.keep(new Socket("127.0.0.1", tcp));
            session.setSoTimeout(10_000);
            exchange(session, payload(i, 1024));
            longLived.add(session);
        }

        final Process wrk = new ProcessBuilder("wrk", "-t2", "-c32", "-d" + WRK_SECONDS + "s",
            "http://127.0.0.1:" + web + "/hello").redirectErrorStream(true).start();
        closer.keep(wrk::destroyForcibly);
        final TcpChurn churn = new TcpChurn(tcp);
        churn.start();
        Thread.sleep(1000); // let the load ramp up before the first reload: the reloads must land under load

        for (int i = 1; i <= RELOADS; i++)
        {
            ReloadTriggersTest.replace(file, config(echo, one, two, i % 2 == 1));
            if (i % 2 == 0)
            {
                assertEquals(200, Admin.post(admin, "/reload").status());
            }
            else
            {
                vigil.signal("HUP");
            }
            final int expected = i;
            Await.until(() -> successes(admin) == expected, Duration.ofSeconds(10),
                () -> "reload " + expected + ":\n" + vigil.outputTail(8192));
            Thread.sleep(RELOAD_GAP_MS);
        }
        assertTrue(wrk.isAlive(), "wrk still ran during the last reload");
        final String wrkOut = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(wrk.waitFor(WRK_SECONDS + 10, TimeUnit.SECONDS), wrkOut);
        churn.stop();

        System.out.println(wrkOut);
        System.out.println("tcp churn: " + churn.exchanges.get() + " exchanges, " + churn.failures.get() +
            " failures" + (churn.firstFailure.get() == null ? "" : " (first: " + churn.firstFailure.get() + ")"));
        final Matcher requests = Pattern.compile("(\\d+) requests in").matcher(wrkOut);
        assertTrue(requests.find() && Long.parseLong(requests.group(1)) > 1000, "wrk ran: " + wrkOut);
        assertTrue(!wrkOut.contains("Socket errors"), "no connect/read/write error or timeout: " + wrkOut);
        assertTrue(!wrkOut.contains("Non-2xx"), "no failed request: " + wrkOut);
        assertTrue(churn.exchanges.get() > 100, "the TCP churn ran");
        assertEquals(0, churn.failures.get(), "no refused or broken TCP connection: " + churn.firstFailure.get());

        for (int i = 0; i < LONG_LIVED; i++)
        {
            exchange(longLived.get(i), payload(1000 + i, 64 * 1024));
        }
        assertEquals(0, ReloadTriggersTest.reloads(admin, "failure"));
        assertEquals(RELOADS + 1, Admin.metric(admin, "vigil_config_generation"));
        assertTrue(Admin.metric(admin, "vigil_keepalive_retuned_sockets_total") >= LONG_LIVED * RELOADS,
            "every reload re-tuned the long-lived sessions' client sockets");
    }

    private static byte[] payload(final long seed, final int size)
    {
        final byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Write, then read the echo back (in chunks, the socket buffers being smaller than a large payload). */
    private static void exchange(final Socket session, final byte[] sent) throws IOException
    {
        final OutputStream out = session.getOutputStream();
        final InputStream in = session.getInputStream();
        final byte[] back = new byte[sent.length];
        final int chunk = 8192;
        int read = 0;
        for (int written = 0; written < sent.length; written += chunk)
        {
            out.write(sent, written, Math.min(chunk, sent.length - written));
            out.flush();
            while (read < Math.min(written + chunk, sent.length))
            {
                final int n = in.read(back, read, Math.min(written + chunk, sent.length) - read);
                if (n < 0)
                {
                    throw new IOException("closed after " + read + " bytes");
                }
                read += n;
            }
        }
        assertArrayEquals(sent, back, "byte-exact both ways");
    }

    /** New connection, one exchange, close; again and again until stopped (bounded by count). */
    private static final class TcpChurn
    {
        private final int port;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong exchanges = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final AtomicReference<String> firstFailure = new AtomicReference<>();
        private final Thread thread;

        TcpChurn(final int port)
        {
            this.port = port;
            this.thread = new Thread(this::run, "tcp-churn");
            this.thread.setDaemon(true);
        }

        void start()
        {
            thread.start();
        }

        private void run()
        {
            final byte[] message = payload(7, 100);
            for (int i = 0; i < TCP_EXCHANGES_MAX && running.get(); i++)
            {
                try (Socket socket = new Socket("127.0.0.1", port))
                {
                    socket.setSoTimeout(5000);
                    socket.getOutputStream().write(message);
                    final byte[] back = socket.getInputStream().readNBytes(message.length);
                    if (!Arrays.equals(message, back))
                    {
                        throw new IOException("echo mismatch (" + back.length + " bytes back)");
                    }
                    exchanges.incrementAndGet();
                }
                catch (final IOException ex)
                {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, ex.toString());
                }
            }
        }

        void stop() throws InterruptedException
        {
            running.set(false);
            thread.join(10_000);
        }
    }

    private static double successes(final InetSocketAddress admin)
    {
        try
        {
            return ReloadTriggersTest.reloads(admin, "success");
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }
}
