package io.vigil.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Vigil as a separate JVM process, started like bin/vigil starts it (same JVM flags, main class), with its
 * stdout and stderr captured. Closing it kills the process if it is still running.
 */
public final class VigilProcess implements AutoCloseable
{
    private static final Pattern ADMIN = Pattern.compile("admin http://([0-9.]+):(\\d+)/");
    private static final Pattern LISTENING = Pattern.compile("listening (\\S+) \\S+:(\\d+) ");

    private final Process process;
    private final StringBuilder output = new StringBuilder();
    private final Thread reader;

    private VigilProcess(final Process process)
    {
        this.process = process;
        this.reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    synchronized (output)
                    {
                        output.append(line).append('\n');
                    }
                }
            }
            catch (final IOException ex)
            {
                // process ended
            }
        }, "vigil-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * @param prefix   commands to run before java, e.g. {@code unshare -n}; may be empty.
     * @param mainArgs arguments for {@code io.vigil.cli.Vigil}.
     * @return the started process.
     * @throws IOException when it cannot start.
     */
    public static VigilProcess start(final List<String> prefix, final String... mainArgs) throws IOException
    {
        // signals as a supervisor leaves them, whatever the test run's own parent ignores (nohup ignores SIGHUP,
        // which a JVM started with it can never take over: the reload tests would hang on it)
        final List<String> command = new ArrayList<>(List.of("env", "--default-signal=HUP,INT,TERM"));
        command.addAll(prefix);
        command.addAll(vigilJavaCommand());
        command.addAll(List.of(mainArgs));
        return new VigilProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /**
     * @param command a whole command line, e.g. {@link #javaCommand} with extra JVM flags and arguments.
     * @return the started process.
     * @throws IOException when it cannot start.
     */
    public static VigilProcess startCommand(final List<String> command) throws IOException
    {
        return new VigilProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /**
     * @param mainArgs arguments for {@code io.vigil.cli.Vigil}.
     * @return the started process.
     * @throws IOException when it cannot start.
     */
    public static VigilProcess start(final String... mainArgs) throws IOException
    {
        return start(List.of(), mainArgs);
    }

    /**
     * With {@code -Dvigil.test.sockets=kernel} on the test run, every Vigil these tests start runs on the newer JDK
     * with Vigil's own socket layer ({@code -Dvigil.sockets=kernel}): the process-level suites then cover it too.
     *
     * @return java and its flags for io.vigil.cli.Vigil.
     */
    public static List<String> vigilJavaCommand()
    {
        if (!"kernel".equals(System.getProperty("vigil.test.sockets")))
        {
            return javaCommand("io.vigil.cli.Vigil");
        }
        final List<String> command = new ArrayList<>(NewerJdk.javaCommand("io.vigil.cli.Vigil",
            "io/vigil/net/kernel/KernelSelector.class"));
        command.add(1, "-Dvigil.sockets=kernel");
        return command;
    }

    /**
     * @param mainClass class to run.
     * @return java with the JVM flags Vigil needs and this JVM's class path.
     */
    public static List<String> javaCommand(final String mainClass)
    {
        return List.of(
            System.getProperty("java.home") + "/bin/java",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-Xmx256m",
            "-cp", System.getProperty("java.class.path"),
            mainClass);
    }

    /**
     * @return the process.
     */
    public Process process()
    {
        return process;
    }

    /**
     * Send SIGTERM. Not {@code Process.destroy()}: that also closes our end of the child's stdout, so whatever
     * it prints while shutting down would be lost.
     */
    public void sigterm()
    {
        process.toHandle().destroy();
    }

    /**
     * Send a signal with kill(1).
     *
     * @param name the signal without "SIG", e.g. "HUP".
     * @throws IOException when kill fails.
     */
    public void signal(final String name) throws IOException
    {
        final Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid()))
            .redirectErrorStream(true).start();
        try
        {
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
            {
                throw new IOException("kill -s " + name + " failed: " +
                    new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException(ex);
        }
    }

    /**
     * @return the admin listener's address, as printed at startup.
     */
    public InetSocketAddress admin()
    {
        awaitOutput("admin http://", Duration.ofSeconds(20));
        final Matcher m = ADMIN.matcher(output());
        if (!m.find())
        {
            throw new AssertionError("no admin address in:\n" + output());
        }
        return new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
    }

    /**
     * @return everything it printed so far.
     */
    public String output()
    {
        synchronized (output)
        {
            return output.toString();
        }
    }

    /**
     * @param chars at most this many.
     * @return the end of what it printed so far: for a failure message, which a long run's whole output (access-log
     *         lines) could make too large for the test JVM to report.
     */
    public String outputTail(final int chars)
    {
        synchronized (output)
        {
            return output.substring(Math.max(0, output.length() - chars));
        }
    }

    /**
     * @param text    what to wait for.
     * @param timeout how long.
     */
    public void awaitOutput(final String text, final Duration timeout)
    {
        Await.until(() -> output().contains(text), timeout, "\"" + text + "\" in output:\n" + output());
    }

    /**
     * @param listener a listener name.
     * @return the port it printed at startup.
     */
    public int port(final String listener)
    {
        awaitOutput("listening " + listener + " ", Duration.ofSeconds(20));
        final Matcher m = LISTENING.matcher(output());
        while (m.find())
        {
            if (m.group(1).equals(listener))
            {
                return Integer.parseInt(m.group(2));
            }
        }
        throw new AssertionError("no port for " + listener + " in:\n" + output());
    }

    /**
     * @param timeout how long to wait.
     * @return the exit code.
     * @throws InterruptedException when interrupted.
     */
    public int awaitExit(final Duration timeout) throws InterruptedException
    {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            throw new AssertionError("process did not exit within " + timeout + ":\n" + output());
        }
        reader.join(5000); // all it printed before exiting
        return process.exitValue();
    }

    @Override
    public void close()
    {
        process.destroyForcibly();
    }
}
