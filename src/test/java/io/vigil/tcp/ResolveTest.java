package io.vigil.tcp;

import io.vigil.test.Closer;
import io.vigil.test.TempFiles;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Servers given by name are re-resolved while running: every address becomes a server, new sessions follow the
 * change and open sessions are left alone. Names come from a hosts file ({@code jdk.net.hosts.file}) that the
 * test rewrites, with the JDK's lookup cache off.
 */
@Timeout(60)
class ResolveTest
{
    private static final int PORT = 39071;
    @RegisterExtension
    final Closer resources = new Closer();

    private TestUpstream upstream(final String ip) throws IOException
    {
        final TestUpstream upstream = new TestUpstream(new InetSocketAddress(InetAddress.getByName(ip), PORT),
            TestUpstream.Mode.ECHO);
        resources.keep(upstream);
        return upstream;
    }

    private static Socket relaying(final int port, final int value) throws IOException
    {
        final Socket client = new Socket("127.0.0.1", port);
        client.setSoTimeout(10_000);
        client.getOutputStream().write(value);
        assertEquals(value, client.getInputStream().read());
        return client;
    }

    private static void eventually(final BooleanSupplier condition, final String what, final int port)
        throws IOException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out: " + what);
            relaying(port, 1).close(); // keep sessions coming so the new addresses get used
        }
    }

    @Test
    void shouldFollowNameChangesForNewSessionsOnly() throws Exception
    {
        final TestUpstream two = upstream("127.0.0.2");
        final TestUpstream three = upstream("127.0.0.3");
        final File hosts = TempFiles.write("vigil-hosts", "", "127.0.0.2 backend.test\n");
        final File conf = TempFiles.write("vigil-resolve", ".conf",
            "vigil { event-loops = 1, listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }]," +
            " upstreams { up { servers = [\"backend.test:" + PORT + "\"], resolve = 200ms } } }");
        final List<String> jvm = new ArrayList<>(VigilProcess.javaCommand("io.vigil.cli.Vigil"));
        jvm.addAll(1, List.of("-Djdk.net.hosts.file=" + hosts.getPath(), "-Dsun.net.inetaddr.ttl=0",
            "-Dsun.net.inetaddr.negative.ttl=0"));
        jvm.addAll(List.of("run", "-c", conf.getPath()));
        final VigilProcess vigil = VigilProcess.startCommand(jvm);
        resources.keep(vigil);
        final int port = vigil.port("pub");

        final Socket open = relaying(port, 2);
        assertEquals(1, two.accepted(), "the name resolved to 127.0.0.2 at startup");

        Files.writeString(hosts.toPath(), "127.0.0.3 backend.test\n");
        eventually(() -> three.accepted() > 0, "new sessions reach 127.0.0.3", port);
        final int twoBefore = two.accepted();
        for (int i = 0; i < 5; i++)
        {
            relaying(port, 3).close();
        }
        assertEquals(twoBefore, two.accepted(), "127.0.0.2 left the name: no new sessions there");
        open.getOutputStream().write(4);
        assertEquals(4, open.getInputStream().read(), "the session opened before the change is untouched");

        Files.writeString(hosts.toPath(), "127.0.0.2 backend.test\n127.0.0.3 backend.test\n");
        eventually(() -> two.accepted() > twoBefore, "both addresses are servers", port);
        final int a = two.accepted();
        final int b = three.accepted();
        for (int i = 0; i < 10; i++)
        {
            relaying(port, 5).close();
        }
        assertEquals(5, two.accepted() - a, "round-robin over both addresses");
        assertEquals(5, three.accepted() - b);
        assertTrue(vigil.output().contains("servers now [127.0.0.3:" + PORT + "]"), vigil.output());

        // IPv6 addresses are servers too
        final TestUpstream six = upstream("::1");
        Files.writeString(hosts.toPath(), "::1 backend.test\n");
        eventually(() -> six.accepted() > 0, "new sessions reach [::1]", port);
        open.close();
    }
}
