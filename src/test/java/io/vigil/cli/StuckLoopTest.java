package io.vigil.cli;

import io.vigil.runtime.VigilServer;
import io.vigil.config.ConfigLoader;
import io.vigil.loop.LoopStalledException;
import io.vigil.test.TempFiles;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import io.vigil.test.VigilProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A loop that never returns from a handler (a parser that stops consuming, say) must not leave a zombie proxy:
 * the watchdog reports it with the stuck stack, Vigil exits 70 for a supervisor, and a SIGTERM-initiated stop
 * ends by shutdown-timeout plus a small margin whatever the stuck loop does.
 */
@Timeout(60)
class StuckLoopTest
{
    @AfterEach
    void release()
    {
        StuckLoopMain.released = true;
    }

    private static String config(final TestUpstream upstream, final String extra)
    {
        return "vigil { event-loops = 1, shutdown-timeout = 1s" + extra + "\n" +
            "listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }]\n" +
            "upstreams { up { servers = [\"" + upstream.hostPort() + "\"] } } }";
    }

    @Test
    void shouldReportAStuckLoopWithItsStackAndStopInBoundedTime() throws Exception
    {
        StuckLoopMain.released = false;
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final VigilServer server = VigilServer.start(
                ConfigLoader.parse(config(upstream, ", loop-stall-timeout = 1s"), "test"),
                StuckLoopMain.SPIN_ON_ESTABLISHED, new ByteArrayOutputStream());
            final CountDownLatch reported = new CountDownLatch(1);
            server.onFatal(reported::countDown);
            try (Socket client = VigilHarness.connect(server.boundAddress("pub")))
            {
                assertTrue(reported.await(15, TimeUnit.SECONDS), "the stuck loop was reported");
                final LoopStalledException stalled = assertInstanceOf(LoopStalledException.class, server.fatal());
                assertTrue(stalled.getMessage().contains("vigil-loop-0"), stalled.getMessage());
                assertTrue(Arrays.stream(stalled.getStackTrace())
                    .anyMatch(f -> f.getMethodName().equals("onEstablished")),
                    "the report shows where the loop is stuck");

                final long start = System.nanoTime();
                server.shutdown();
                final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms < 1_000 + 8_000, "stopping waited " + ms + " ms for a loop that never stops");
            }
        }
    }

    @Test
    void shouldExit70WhenTheWatchdogFindsAStuckLoop() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final File conf = TempFiles.write("vigil", ".conf", config(upstream, ", loop-stall-timeout = 1s"));
            try (VigilProcess vigil = VigilProcess.startCommand(command(conf)))
            {
                try (Socket client = new Socket("127.0.0.1", vigil.port("pub")))
                {
                    assertEquals(70, vigil.awaitExit(Duration.ofSeconds(30)), vigil.output());
                }
                assertTrue(vigil.output().contains("vigil-loop-0 made no progress"), vigil.output());
            }
        }
    }

    @Test
    void shouldStopWithinTheGraceOnSigtermEvenWithTheWatchdogOff() throws Exception
    {
        try (TestUpstream upstream = TestUpstream.loopback(TestUpstream.Mode.ECHO))
        {
            final File conf = TempFiles.write("vigil", ".conf", config(upstream, ", loop-stall-timeout = 0"));
            try (VigilProcess vigil = VigilProcess.startCommand(command(conf)))
            {
                try (Socket client = new Socket("127.0.0.1", vigil.port("pub")))
                {
                    vigil.awaitOutput("spinning on vigil-loop-0", Duration.ofSeconds(10));
                    final long start = System.nanoTime();
                    vigil.sigterm();
                    final int code = vigil.awaitExit(Duration.ofSeconds(30));
                    final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertEquals(70, code, "a loop that never stopped is not a clean stop:\n" + vigil.output());
                    assertTrue(ms < 1_000 + 8_000, "stopped after " + ms + " ms for shutdown-timeout 1s");
                }
            }
        }
    }

    private static java.util.List<String> command(final File conf)
    {
        final java.util.List<String> command =
            new java.util.ArrayList<>(VigilProcess.javaCommand("io.vigil.cli.StuckLoopMain"));
        command.addAll(java.util.List.of("run", "-c", conf.getPath()));
        return command;
    }
}
