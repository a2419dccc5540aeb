package io.vigil.cli;

import io.vigil.config.ConfigError;
import io.vigil.config.ConfigLoader;
import io.vigil.test.Admin;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A missing {@code include} is a configuration error naming the including file, its line and the missing file, for
 * {@code vigil check}, {@code vigil run} and a reload (which keeps the running configuration), as nginx refuses a
 * missing include; an include that exists, relative to the including file, still works.
 */
@Timeout(90)
class MissingIncludeTest
{
    @RegisterExtension
    final Closer closer = new Closer();

    private static final String MAIN = "vigil {\n" +
        "  event-loops = 1\n" +
        "  shutdown-timeout = 1s\n" +
        "  admin { listen = \"127.0.0.1:0\" }\n" +
        "}\n" +
        "include \"conf.d/listeners.conf\"\n";

    private static String listeners(final String upstream, final String nested)
    {
        return "vigil {\n" +
            "  listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }]\n" +
            "}\n" +
            "include \"" + nested + "\"\n";
    }

    private static String upstreams(final String upstream)
    {
        return "vigil.upstreams { up { servers = [\"" + upstream + "\"] } }\n";
    }

    /** vigil.conf, conf.d/listeners.conf it includes, and conf.d/upstreams.conf that includes by a relative name. */
    private static Path configDirectory(final String upstream) throws IOException
    {
        final Path dir = Files.createTempDirectory("vigil-include");
        Files.createDirectory(dir.resolve("conf.d"));
        Files.writeString(dir.resolve("vigil.conf"), MAIN);
        Files.writeString(dir.resolve("conf.d/listeners.conf"), listeners(upstream, "upstreams.conf"));
        Files.writeString(dir.resolve("conf.d/upstreams.conf"), upstreams(upstream));
        return dir;
    }

    private VigilProcess check(final Path dir) throws IOException
    {
        // a bare file name, from its own directory: the includes are relative to it, not looked up on the class path
        return closer.keep(VigilProcess.start(List.of("env", "-C", dir.toString()), "check", "-c", "vigil.conf"));
    }

    @Test
    void shouldCheckAnIncludeThatExistsAndRefuseOneThatIsMissing() throws Exception
    {
        final Path dir = configDirectory("127.0.0.1:9");
        final VigilProcess good = check(dir);
        assertEquals(0, good.awaitExit(Duration.ofSeconds(30)), good.output());

        Files.delete(dir.resolve("conf.d/upstreams.conf"));
        final VigilProcess bad = check(dir);
        assertEquals(1, bad.awaitExit(Duration.ofSeconds(30)), bad.output());
        final String listenersFile = dir.resolve("conf.d/listeners.conf").toString();
        assertTrue(bad.output().contains(listenersFile + ":4: include \"upstreams.conf\": cannot read the included " +
            "file"), bad.output());

        Files.delete(dir.resolve("conf.d/listeners.conf"));
        final VigilProcess run = closer.keep(VigilProcess.start("run", "-c", dir.resolve("vigil.conf").toString()));
        assertEquals(1, run.awaitExit(Duration.ofSeconds(30)), run.output());
        assertTrue(run.output().contains(dir.resolve("vigil.conf") + ":6: include \"conf.d/listeners.conf\""),
            run.output());
    }

    @Test
    void shouldNameTheLineOfAMissingIncludeInConfigText()
    {
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.parse(
            "vigil { event-loops = 1 }\n\ninclude \"/nonexistent/listeners.conf\"\n", "pushed.conf"));
        assertTrue(error.getMessage().startsWith("pushed.conf:3: include \"/nonexistent/listeners.conf\": " +
            "cannot read the included file"), error.getMessage());
    }

    @Test
    void shouldRefuseAnIncludeFromTheNetworkAndReadOneFromAFileUrl() throws Exception
    {
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.parse(
            "vigil { event-loops = 1 }\ninclude url(\"http://127.0.0.1:9/listeners.conf\")\n", "pushed.conf"));
        assertTrue(error.getMessage().startsWith("pushed.conf:2: include url(\"http://127.0.0.1:9/listeners.conf\"): " +
            "refused: configuration is read from local files only"), error.getMessage());

        final Path dir = configDirectory("127.0.0.1:9");
        final Path listeners = dir.resolve("conf.d/listeners.conf");
        Files.writeString(listeners, listeners("127.0.0.1:9", dir.resolve("conf.d/upstreams.conf").toString()));
        Files.writeString(dir.resolve("vigil.conf"), MAIN.replace("include \"conf.d/listeners.conf\"",
            "include url(\"" + listeners.toUri() + "\")"));
        final VigilProcess good = check(dir);
        assertEquals(0, good.awaitExit(Duration.ofSeconds(30)), good.output());
    }

    @Test
    void shouldSayThatAnIncludedNameIsADirectory() throws Exception
    {
        final Path dir = configDirectory("127.0.0.1:9");
        Files.writeString(dir.resolve("vigil.conf"), MAIN.replace("conf.d/listeners.conf", "conf.d"));
        final VigilProcess bad = check(dir);
        assertEquals(1, bad.awaitExit(Duration.ofSeconds(30)), bad.output());
        assertTrue(bad.output().contains("vigil.conf:6: include \"conf.d\": cannot read the included file " +
            "(a directory, not a file: " + dir.resolve("conf.d") + ")"), bad.output());
    }

    @Test
    void shouldNameTheLineOfTheIncludeNotOfACommentNamingTheSameFile() throws Exception
    {
        final Path dir = configDirectory("127.0.0.1:9");
        Files.writeString(dir.resolve("vigil.conf"), "# include \"conf.d/gone.conf\" was here\n" +
            "// include \"conf.d/gone.conf\" too\n" + MAIN.replace("listeners.conf", "gone.conf"));
        final VigilProcess bad = check(dir);
        assertEquals(1, bad.awaitExit(Duration.ofSeconds(30)), bad.output());
        assertTrue(bad.output().contains("vigil.conf:8: include \"conf.d/gone.conf\": cannot read the included file"),
            bad.output());
    }

    @Test
    void shouldKeepTheRunningConfigurationWhenAReloadMissesAnInclude() throws Exception
    {
        final TestUpstream echo = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
        final Path dir = configDirectory(echo.hostPort());
        final VigilProcess vigil = closer.keep(VigilProcess.start("run", "-c", dir.resolve("vigil.conf").toString()));
        final int port = vigil.port("pub");
        final InetSocketAddress admin = vigil.admin();
        relay(port);

        ReloadTriggersTest.replace(dir.resolve("conf.d/listeners.conf"), listeners(echo.hostPort(), "gone.conf"));
        final RawHttp.Response posted = Admin.post(admin, "/reload");
        assertEquals(500, posted.status(), posted.raw());
        final String why = dir.resolve("conf.d/listeners.conf") + ":4: include \"gone.conf\"";
        assertTrue(posted.body().contains(why), posted.body());
        vigil.awaitOutput("reload (POST /reload) refused, generation 1 keeps running: " + why, Duration.ofSeconds(5));
        relay(port);
        assertEquals(2, echo.accepted(), "the running configuration still serves");
        vigil.sigterm();
        assertEquals(0, vigil.awaitExit(Duration.ofSeconds(20)), vigil.output());
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
}
