package io.vigil.tcp;

import io.vigil.test.Await;
import io.vigil.test.TempFiles;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Running out of file descriptors is Vigil's problem, not the upstream's: sessions that cannot get a socket fail
 * locally, accepting pauses instead of spinning, and the upstream is not marked failed, so service resumes at
 * once when descriptors are free again.
 */
@Timeout(60)
class FdExhaustionTest
{
    @Test
    void shouldNotBlameTheUpstreamWhenVigilRunsOutOfDescriptors() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final File conf = TempFiles.write("vigil-fd", ".conf", "vigil { event-loops = 1, listeners = [{ name = pub," +
                " listen = \"127.0.0.1:0\", upstream = up }], upstreams { up { servers = [\"" + upstream.hostPort() +
                "\"] } } }");
            final List<String> java = VigilProcess.javaCommand("io.vigil.Vigil");
            final String command = "ulimit -n 64 && exec " + String.join(" ", java) + " run -c " + conf.getPath();
            final List<Socket> clients = new ArrayList<>();
            try (VigilProcess vigil = VigilProcess.startCommand(List.of("sh", "-c", command)))
            {
                final int port = vigil.port("pub");
                // one whole session first (relay and close), so its classes are loaded while descriptors are free:
                // from a class directory every class load needs a descriptor (the production jar is already open)
                Await.until(() -> relays(port), Duration.ofSeconds(5), "a first session relays");
                vigil.awaitOutput(" listener=pub ", Duration.ofSeconds(5));
                // more connections than 64 descriptors allow: some sessions cannot open their upstream socket
                for (int i = 0; i < 40; i++)
                {
                    final Socket client = new Socket();
                    client.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000);
                    client.setSoTimeout(1000);
                    clients.add(client);
                }
                int relayed = 0;
                int refused = 0;
                for (final Socket client : clients)
                {
                    try
                    {
                        client.getOutputStream().write(1);
                        if (client.getInputStream().read() == 1)
                        {
                            relayed++;
                        }
                        else
                        {
                            refused++;
                        }
                    }
                    catch (final IOException ex)
                    {
                        refused++;
                    }
                }
                assertTrue(refused > 0, "the descriptor limit was reached (relayed " + relayed + ")\n" + vigil.output());
                assertTrue(relayed > 0, "sessions within the limit relayed\n" + vigil.output());
                for (final Socket client : clients)
                {
                    client.close();
                }
                final int sessions = relayed;
                Await.until(() -> vigil.output().lines().filter(l -> l.contains(" listener=pub ")).count() >= sessions,
                    Duration.ofSeconds(10), "sessions closed");

                // descriptors are free again: the very next session reaches the upstream on its first try
                Await.until(() -> relays(port), Duration.ofSeconds(5), "service resumes");
                assertFalse(vigil.output().contains("unavailable for fail-timeout"),
                    "the upstream was not blamed:\n" + vigil.output());
                assertFalse(vigil.output().contains("tries=0"), vigil.output());
                assertTrue(vigil.output().contains("reason=error side=proxy") ||
                    vigil.output().contains("accept failed"), "local failures were reported:\n" + vigil.output());
                assertEquals(0, vigil.output().lines().filter(l -> l.contains("reason=connect_failed")).count(),
                    vigil.output());
            }
        }
    }

    private static boolean relays(final int port)
    {
        try (Socket probe = new Socket("127.0.0.1", port))
        {
            probe.setSoTimeout(2000);
            probe.getOutputStream().write(9);
            return probe.getInputStream().read() == 9;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
