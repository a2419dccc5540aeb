package io.vigil.proxyproto;

import io.vigil.test.Await;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real peer (HAProxy, nginx) run in the foreground for one test, its output in a file, stopped by its own PID.
 */
final class PeerProcess implements AutoCloseable
{
    private final Process process;
    private final Path output;

    private PeerProcess(final Process process, final Path output)
    {
        this.process = process;
        this.output = output;
    }

    /**
     * Start a command and wait until it accepts on a loopback port.
     */
    static PeerProcess start(final List<String> command, final Path dir, final int port) throws IOException
    {
        final File binary = new File(command.get(0));
        if (!binary.canExecute())
        {
            throw new IllegalStateException(command.get(0) + " is missing: bin/test installs it (as root)");
        }
        final Path output = dir.resolve("output.log");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(output.toFile()).start();
        final PeerProcess peer = new PeerProcess(process, output);
        Await.until(() ->
        {
            if (!process.isAlive())
            {
                throw new IllegalStateException(command + " exited: " + peer.output());
            }
            try (Socket probe = new Socket())
            {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return true;
            }
            catch (final IOException ex)
            {
                return false;
            }
        }, Duration.ofSeconds(15), () -> command + " listening on " + port + ": " + peer.output());
        return peer;
    }

    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    String output()
    {
        try
        {
            return Files.readString(output, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(no output: " + ex + ")";
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
