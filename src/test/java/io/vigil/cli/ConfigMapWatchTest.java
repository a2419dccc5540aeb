package io.vigil.cli;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code watch-config = true} with the file mounted as Kubernetes mounts a ConfigMap: {@code vigil.conf} is a
 * link to {@code ..data/vigil.conf}, {@code ..data} a link to a timestamped directory, and an update writes a new
 * directory and swaps {@code ..data} with one rename. The file itself is never written. One update must make
 * exactly one reload; a swap to identical content none.
 */
@Timeout(90)
class ConfigMapWatchTest
{
    /** Longer than the watcher's quiet period plus its polling interval: what would reload again has by then. */
    private static final Duration SETTLE = Duration.ofMillis(3000);

    @RegisterExtension
    final Closer closer = new Closer();
    private int version;

    private static String config(final String upstream)
    {
        return ReloadTriggersTest.config(upstream).replace("event-loops = 1", "event-loops = 1\n  watch-config = true");
    }

    /** What the kubelet does on a ConfigMap update (atomic_writer.go): new dir, ..data_tmp link, rename. */
    private void publish(final Path mount, final String content) throws IOException
    {
        final Path old = Files.isSymbolicLink(mount.resolve("..data")) ?
            mount.resolve(Files.readSymbolicLink(mount.resolve("..data"))) : null;
        final Path dir = Files.createDirectory(mount.resolve("..2026_11_29_00_00_0" + version++ + ".123"));
        Files.writeString(dir.resolve("vigil.conf"), content);
        final Path tmp = Files.createSymbolicLink(mount.resolve("..data_tmp"), dir.getFileName());
        Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (!Files.exists(mount.resolve("vigil.conf"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
        {
            Files.createSymbolicLink(mount.resolve("vigil.conf"), Path.of("..data/vigil.conf"));
        }
        if (old != null)
        {
            try (Stream<Path> files = Files.walk(old))
            {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void shouldReloadExactlyOnceWhenTheConfigMapIsUpdated() throws Exception
    {
        final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream b = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final Path mount = Files.createTempDirectory("vigil-configmap");
        publish(mount, config(a.hostPort()));
        final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c", mount.resolve("vigil.conf").toString()));
        final int port = vigil.port("pub");
        final InetSocketAddress admin = vigil.admin();

        publish(mount, config(b.hostPort()));
        Await.until(() -> reloads(admin) == 1, Duration.ofSeconds(10), () -> "a reload:\n" + vigil.output());
        relay(port);
        assertEquals(1, b.accepted(), "the new ConfigMap's upstream serves");
        Thread.sleep(SETTLE.toMillis()); // proving that nothing more happens takes waiting
        assertEquals(1, reloads(admin), "exactly one reload for one update:\n" + vigil.output());

        publish(mount, config(b.hostPort()));
        Thread.sleep(SETTLE.toMillis());
        assertEquals(1, reloads(admin), "a swap to identical content reloads nothing");
        assertEquals(0, ReloadTriggersTest.reloads(admin, "failure"));
    }

    private static double reloads(final InetSocketAddress admin)
    {
        try
        {
            return Admin.metric(admin, "vigil_config_reloads_total{result=\"success\"}");
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    private static void relay(final int port) throws IOException
    {
        try (Socket client = new Socket("127.0.0.1", port))
        {
            client.setSoTimeout(5000);
            client.getOutputStream().write(3);
            assertEquals(3, client.getInputStream().read());
        }
    }
}
