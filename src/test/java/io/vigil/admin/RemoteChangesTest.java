package io.vigil.admin;

import io.vigil.test.PrivateNetns;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener takes state changes (POST /reload) from loopback peers only unless
 * {@code admin.allow-remote-changes = true}, while it serves reads to any peer (Prometheus and kubelet probes come
 * from the pod network). A non-loopback peer needs a second local address: the check runs in a child JVM in a
 * private network namespace ({@code unshare -n}, root) where {@value #REMOTE} is added to its loopback interface, so
 * no packet leaves the namespace. Without root it is skipped, saying why.
 */
class RemoteChangesTest
{
    /** The non-loopback address the "remote" admin client connects from, inside the namespace. */
    static final String REMOTE = "10.77.0.1";

    @Test
    @Timeout(90)
    void shouldRefuseStateChangesFromNonLoopbackPeersUnlessAllowed() throws Exception
    {
        PrivateNetns.requireRoot("the remote admin changes check");
        PrivateNetns.run(VigilProcess.javaCommand(RemoteChangesTest.class.getName()), List.of(), Map.of(),
            "remote admin changes");
    }

    /**
     * Runs inside the namespace: two Vigils with an admin listener on every address, one strict, one with
     * allow-remote-changes; exit status 0 when every answer is the expected one.
     *
     * @param args none.
     */
    public static void main(final String[] args)
    {
        int status = 0;
        try
        {
            run("ip", "link", "set", "lo", "up");
            run("ip", "addr", "add", REMOTE + "/32", "dev", "lo");
            try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
                VigilHarness strict = VigilHarness.start(config(echo, false));
                VigilHarness open = VigilHarness.start(config(echo, true)))
            {
                final int strictPort = strict.adminAddress().getPort();
                final int openPort = open.adminAddress().getPort();
                check(status(REMOTE, strictPort, "POST /reload") == 403, "a remote POST /reload is refused (403)");
                check(status("127.0.0.1", strictPort, "POST /reload") == 501,
                    "a loopback POST /reload is taken (this harness cannot reload: 501)");
                check(status(REMOTE, strictPort, "GET /metrics") == 200, "reads are served to a remote peer");
                check(status(REMOTE, strictPort, "GET /healthz") == 200, "probes are served to a remote peer");
                check(status(REMOTE, openPort, "POST /reload") == 501,
                    "allow-remote-changes = true: a remote POST /reload is taken (501 here)");
            }
            System.out.println("OK remote changes refused, loopback and allowed ones taken, reads served");
        }
        catch (final Throwable ex)
        {
            ex.printStackTrace(System.out);
            status = 1;
        }
        System.exit(status);
    }

    private static String config(final TestUpstream echo, final boolean allowRemote)
    {
        return "vigil { event-loops = 1, admin { listen = \"0.0.0.0:0\", allow-remote-changes = " + allowRemote +
            " }, listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = echo }]," +
            " upstreams { echo { servers = [\"" + echo.hostPort() + "\"] } } }";
    }

    /** Send one request from {@code from} to the admin port on the same address; return the status code. */
    private static int status(final String from, final int port, final String requestLine) throws IOException
    {
        final InetAddress address = InetAddress.getByName(from);
        try (Socket socket = new Socket())
        {
            socket.bind(new InetSocketAddress(address, 0));
            socket.connect(new InetSocketAddress(address, port), 5_000);
            socket.setSoTimeout(10_000);
            final OutputStream out = socket.getOutputStream();
            out.write((requestLine + " HTTP/1.1\r\nHost: admin\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = socket.getInputStream();
            final StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) != -1 && b != '\n')
            {
                line.append((char)b);
            }
            final String[] parts = line.toString().split(" ");
            check(parts.length >= 2 && parts[0].startsWith("HTTP/1."), "a status line from " + from + ": " + line);
            System.out.println(from + " " + requestLine + " -> " + line.toString().trim());
            return Integer.parseInt(parts[1]);
        }
    }

    private static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError("not so: " + what);
        }
    }

    private static void run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        check(process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0,
            String.join(" ", command) + ": " + output);
    }
}
