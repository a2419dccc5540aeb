package io.vigil.admin;

import io.vigil.test.Admin;
import io.vigil.test.Await;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status page in a real headless browser (Debian's chromium): it renders, shows the listeners and a live
 * connection from this test with its kernel keepalive timer, and reloads itself. The screenshot is saved with
 * the test reports (target/surefire-reports/status-page.png).
 */
@Timeout(120)
class StatusPageBrowserTest
{
    private static final Pattern RENDER = Pattern.compile("id=\"?render\"?>(\\d+)<");

    private static List<String> chromium(final Path profile, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox",
            "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        return command;
    }

    private static String run(final List<String> command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "chromium finished");
        assertEquals(0, process.exitValue(), "chromium " + command);
        return out;
    }

    /** The page's render number, which this request itself also bumps. */
    private static long renders(final InetSocketAddress admin)
    {
        try
        {
            final Matcher m = RENDER.matcher(Admin.get(admin, "/").body());
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        }
        catch (final java.io.IOException ex)
        {
            return -1;
        }
    }

    @Test
    void shouldRenderTheStatusPageInAHeadlessBrowserAndRefresh() throws Exception
    {
        final Path profile = Files.createTempDirectory("vigil-chromium");
        try (TestUpstream echo = TestUpstream.loopback(TestUpstream.Mode.ECHO);
            VigilHarness vigil = VigilHarness.start("vigil { event-loops = 1, admin { listen = \"127.0.0.1:0\" }," +
                " listeners = [{ name = public-tcp, listen = \"127.0.0.1:0\", upstream = echo," +
                " so-keepalive = \"120:30:5\" }], upstreams { echo { servers = [\"" + echo.hostPort() + "\"] } } }");
            Socket client = vigil.relayingClient("public-tcp"))
        {
            final InetSocketAddress admin = vigil.adminAddress();
            final String url = "http://127.0.0.1:" + admin.getPort() + "/";
            final String dom = run(chromium(profile, "--dump-dom", url));
            assertTrue(dom.contains("<h1>Vigil test</h1>"), dom);
            assertTrue(dom.contains("public-tcp"), "the listener is shown");
            assertTrue(dom.contains("127.0.0.1:" + client.getLocalPort()), "the test's live connection is shown");
            assertTrue(dom.contains("established keepalive in"), "its kernel keepalive timer is shown:\n" + dom);

            final File shot = new File("target/surefire-reports/status-page.png");
            shot.getParentFile().mkdirs();
            run(chromium(profile, "--window-size=1400,900", "--screenshot=" + shot.getAbsolutePath(), url));
            assertTrue(shot.length() > 10_000, "a screenshot of a rendered page: " + shot.length() + " bytes");

            // left open, the page reloads itself: the server renders it again without being asked by the test
            final long before = renders(admin);
            final Process open = new ProcessBuilder(chromium(profile, "--remote-debugging-port=0", url))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try
            {
                final long[] polls = {1};
                Await.until(() ->
                {
                    polls[0]++;
                    return renders(admin) - before - polls[0] >= 2;
                }, Duration.ofSeconds(30), "the open page reloaded itself twice");
            }
            finally
            {
                open.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
