package io.vigil.tcp;

import io.vigil.test.Await;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A TLS origin on loopback: {@code openssl s_server -www} with a self-signed certificate whose CN names it, so a
 * client can tell which origin answered from the certificate it saw.
 */
final class TlsOrigin implements AutoCloseable
{
    private final String name;
    private final int port;
    private final Process process;

    private TlsOrigin(final String name, final int port, final Process process)
    {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    /**
     * @param name the certificate's CN.
     * @param dir  where the key and certificate go.
     * @return the running origin, accepting.
     * @throws Exception when openssl fails.
     */
    static TlsOrigin start(final String name, final Path dir) throws Exception
    {
        final File key = dir.resolve(name + ".key").toFile();
        final File cert = dir.resolve(name + ".crt").toFile();
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key.getPath(), "-out", cert.getPath(), "-subj", "/CN=" + name, "-days", "2");
        final int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            port = probe.getLocalPort();
        }
        final Process process = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port,
            "-cert", cert.getPath(), "-key", key.getPath(), "-www", "-quiet")
            .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        final TlsOrigin origin = new TlsOrigin(name, port, process);
        Await.until(origin::accepting, Duration.ofSeconds(10), "openssl s_server " + name + " listening");
        return origin;
    }

    private boolean accepting()
    {
        if (!process.isAlive())
        {
            throw new IllegalStateException("openssl s_server " + name + " exited");
        }
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** Run a command to its end (at most 30 s: a client that hangs is killed) and return its output. */
    static String run(final String... command) throws Exception
    {
        final File output = File.createTempFile("vigil-cmd", ".out");
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(output).start();
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
            return Files.readString(output.toPath());
        }
        finally
        {
            Files.deleteIfExists(output.toPath());
        }
    }

    /**
     * @return "127.0.0.1:port" for an upstream's servers.
     */
    String hostPort()
    {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
        }
    }

    /**
     * @param dir a directory.
     * @return it, created.
     * @throws IOException when it cannot be.
     */
    static Path directory(final Path dir) throws IOException
    {
        return Files.createDirectories(dir);
    }
}
