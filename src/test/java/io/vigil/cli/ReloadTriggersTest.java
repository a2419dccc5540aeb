package io.vigil.cli;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.Closer;
import io.vigil.test.RawHttp;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reload triggers of a running {@code vigil run}: SIGHUP and POST /reload, and what a broken file does
 * (nothing, except a logged file:line and a counted failure).
 */
@Timeout(90)
class ReloadTriggersTest
{
    @RegisterExtension
    final Closer closer = new Closer();

    static String config(final String upstream)
    {
        return "vigil {\n" +
            "  event-loops = 1\n" +
            "  shutdown-timeout = 1s\n" +
            "  admin { listen = \"127.0.0.1:0\" }\n" +
            "  listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }]\n" +
            "  upstreams { up { servers = [\"" + upstream + "\"] } }\n" +
            "}\n";
    }

    /** Replace the file in one step, as editors and ConfigMaps do: a reader never sees half of it. */
    static void replace(final Path file, final String content) throws IOException
    {
        final Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, content, StandardCharsets.UTF_8);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void relay(final int port) throws IOException
    {
        try (Socket client = new Socket("127.0.0.1", port))
        {
            client.setSoTimeout(5000);
            client.getOutputStream().write(7);
            assertEquals(7, client.getInputStream().read());
        }
    }

    static double reloads(final InetSocketAddress admin, final String result) throws IOException
    {
        return Admin.metric(admin, "vigil_config_reloads_total{result=\"" + result + "\"}");
    }

    /**
     * Two echo upstreams and a config file whose one listener relays to the first.
     *
     * @param first  the upstream the file names.
     * @param second the upstream a reload switches to.
     * @param file   the config file.
     */
    private record Upstreams(TestUpstream first, TestUpstream second, Path file)
    {
    }

    private Upstreams twoUpstreams(final String filePrefix) throws IOException
    {
        final TestUpstream first = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final TestUpstream second = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final Path file = Files.createTempFile(filePrefix, ".conf");
        Files.writeString(file, config(first.hostPort()));
        return new Upstreams(first, second, file);
    }

    @Test
    void shouldSayWhenStartedWithSighupIgnoredAndStillReloadThroughTheAdminListener() throws Exception
    {
        final Upstreams two = twoUpstreams("vigil-nohup");
        // as nohup starts it: the JVM keeps SIGHUP ignored and installs no handler, without a word
        final List<String> command = new ArrayList<>(List.of("env", "--ignore-signal=HUP"));
        command.addAll(VigilProcess.javaCommand("io.vigil.cli.Vigil"));
        command.addAll(List.of("run", "-c", two.file().toString()));
        final VigilProcess vigil = closer.keep(VigilProcess.startCommand(command));
        final int port = vigil.port("pub");
        final InetSocketAddress admin = vigil.admin();
        vigil.awaitOutput("SIGHUP was ignored when Vigil started (nohup?)", Duration.ofSeconds(5));
        assertFalse(vigil.output().contains("SIGTERM was ignored"), vigil.output());

        replace(two.file(), config(two.second().hostPort()));
        vigil.signal("HUP");
        final RawHttp.Response posted = Admin.post(admin, "/reload");
        assertEquals(200, posted.status(), posted.raw());
        assertTrue(posted.body().contains("generation 2"), "the SIGHUP reloaded nothing, the POST did: " +
            posted.body());
        relay(port);
        assertEquals(1, two.second().accepted());
    }

    @Test
    void shouldReloadOnSighupAndPostReload() throws Exception
    {
        final Upstreams two = twoUpstreams("vigil-reload");
        final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c", two.file().toString()));
        final int port = vigil.port("pub");
        final InetSocketAddress admin = vigil.admin();
        final Socket old = closer.keep(new Socket("127.0.0.1", port));
        old.setSoTimeout(5000);
        relay(port);
        assertEquals(2, two.first().accepted());

        replace(two.file(), config(two.second().hostPort()));
        vigil.signal("HUP");
        Await.until(() -> count(admin, "success") == 1, Duration.ofSeconds(10),
            () -> "the SIGHUP reload:\n" + vigil.output());
        vigil.awaitOutput("reload (SIGHUP): generation 2 serves new connections (listeners added [], kept [pub]",
            Duration.ofSeconds(5));
        relay(port);
        assertEquals(1, two.second().accepted(), "new sessions go to the new upstream, on the same port");
        old.getOutputStream().write(1);
        assertEquals(1, old.getInputStream().read(), "the session from before the reload still relays");

        replace(two.file(), config(two.first().hostPort()));
        final RawHttp.Response posted = Admin.post(admin, "/reload");
        assertEquals(200, posted.status(), posted.raw());
        assertTrue(posted.body().contains("generation 3"), posted.body());
        relay(port);
        assertEquals(3, two.first().accepted());
        assertEquals(3, Admin.metric(admin, "vigil_config_generation"), "current generation number");
    }

    @Test
    void shouldKeepServingAndNameFileAndLineWhenTheNewFileIsBroken() throws Exception
    {
        final TestUpstream a = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final Path file = Files.createTempFile("vigil-broken", ".conf");
        Files.writeString(file, config(a.hostPort()));
        final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c", file.toString()));
        final int port = vigil.port("pub");
        final InetSocketAddress admin = vigil.admin();
        final double started = Admin.metric(admin, "vigil_config_last_reload_success_timestamp_seconds");
        assertTrue(started > 1.7e9, "the start counts as the last good load: " + started);

        // line 5 names an upstream that does not exist
        replace(file, config(a.hostPort()).replace("upstream = up", "upstream = nowhere"));
        final RawHttp.Response posted = Admin.post(admin, "/reload");
        assertEquals(500, posted.status(), posted.raw());
        final String where = file + ":5: vigil.listeners[0].upstream";
        assertTrue(posted.body().contains(where), posted.body());
        vigil.awaitOutput("reload (POST /reload) refused, generation 1 keeps running: " + where,
            Duration.ofSeconds(5));

        // a syntax error: HOCON's own message, still with the file and line
        replace(file, config(a.hostPort()).replace("event-loops = 1", "event-loops = 1 }}"));
        vigil.signal("HUP");
        Await.until(() -> count(admin, "failure") == 2, Duration.ofSeconds(10), "two failed reloads counted");
        vigil.awaitOutput("reload (SIGHUP) refused, generation 1 keeps running: " + file + ": 2:",
            Duration.ofSeconds(5));
        assertEquals(0, reloads(admin, "success"));
        assertEquals(started, Admin.metric(admin, "vigil_config_last_reload_success_timestamp_seconds"));
        relay(port);
        assertEquals(1, a.accepted(), "the running configuration still serves");

        replace(file, config(a.hostPort()));
        assertEquals(200, Admin.post(admin, "/reload").status());
        assertTrue(Admin.metric(admin, "vigil_config_last_reload_success_timestamp_seconds") >= started);
        vigil.sigterm();
        assertEquals(0, vigil.awaitExit(Duration.ofSeconds(20)), vigil.output());
    }

    private static double count(final InetSocketAddress admin, final String result)
    {
        try
        {
            return reloads(admin, result);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }
}
