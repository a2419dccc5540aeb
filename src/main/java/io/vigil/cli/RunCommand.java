package io.vigil.cli;

import io.vigil.admin.AdminServer;
import io.vigil.config.ConfigError;
import io.vigil.config.ConfigLoader;
import io.vigil.config.ListenerConfig;
import io.vigil.config.LogFormat;
import io.vigil.config.VigilConfig;
import io.vigil.log.Log;
import io.vigil.net.Errno;
import io.vigil.net.HostPort;
import io.vigil.net.KernelKeepAlive;
import io.vigil.net.SocketProbe;
import io.vigil.runtime.VigilServer;
import io.vigil.session.SessionObserver;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code vigil run}: load the configuration, start the server and the admin listener, wait for SIGTERM or SIGINT
 * (or a dying loop), drain, stop. Readiness fails the moment the stop begins, before sessions are closed.
 */
final class RunCommand
{
    private RunCommand()
    {
    }

    static int run(final File file, final PrintStream out, final PrintStream err, final SessionObserver observer)
    {
        final VigilConfig config;
        try
        {
            config = ConfigLoader.load(file);
        }
        catch (final ConfigError ex)
        {
            err.println("vigil: configuration error: " + ex.getMessage());
            return Vigil.EXIT_CONFIG;
        }
        Log.json(config.logFormat() == LogFormat.JSON);
        final VigilServer server;
        try
        {
            server = VigilServer.start(config, observer, new FileOutputStream(FileDescriptor.out));
        }
        catch (final IllegalStateException ex)
        {
            err.println("vigil: cannot start: " + ex.getMessage());
            return Vigil.EXIT_CONFIG;
        }
        AdminServer admin = null;
        try
        {
            admin = config.admin().enabled() ? AdminServer.start(config.admin(), server, Vigil.version(), null) : null;
        }
        catch (final IllegalStateException ex)
        {
            err.println("vigil: cannot start: " + ex.getMessage());
            server.close();
            return Vigil.EXIT_CONFIG;
        }
        // handlers first: a supervisor may signal as soon as it sees the "listening" line
        final CountDownLatch stop = new CountDownLatch(1);
        Signals.on("TERM", stop::countDown);
        Signals.on("INT", stop::countDown);
        server.onFatal(stop::countDown);
        warnings();
        announce(out, config, server, admin);
        try
        {
            stop.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        server.beginDrain(); // /readyz answers 503 from here on
        out.println("vigil: stopping: no new connections; sessions have " +
            TimeUnit.NANOSECONDS.toMillis(config.shutdownTimeoutNs()) + "ms to finish");
        out.flush();
        final boolean drained = server.shutdown();
        if (admin != null)
        {
            admin.close();
        }
        out.println("vigil: stopped" + (drained ? "" : " (some loops did not drain in time)") + "; " +
            server.totals());
        out.flush();
        return server.fatal() == null ? Vigil.EXIT_OK : Vigil.EXIT_FATAL;
    }

    private static void warnings()
    {
        final String unreadable = Errno.unreadableMessages();
        if (unreadable != null)
        {
            Log.warn("socket errors read \"" + unreadable + "\" in this locale and no translation was found: " +
                "close reasons such as keepalive_timeout may be logged as error; run with LC_ALL=C.UTF-8 " +
                "(bin/vigil does)");
        }
        if (!SocketProbe.available())
        {
            Log.warn("sockets paused by backpressure are checked for dead peers only when they resume: " +
                "run with --add-opens java.base/sun.nio.ch=ALL-UNNAMED (" + SocketProbe.unavailableReason() + ")");
        }
    }

    private static void announce(
        final PrintStream out, final VigilConfig config, final VigilServer server, final AdminServer admin)
    {
        out.println("vigil " + Vigil.version() + " started: " + config.eventLoops() + " event loop(s), config " +
            config.source());
        for (final ListenerConfig listener : config.listeners())
        {
            out.println("listening " + listener.name() + " " + HostPort.format(server.boundAddress(listener.name())) +
                " -> upstream " + listener.upstream() + ", client so-keepalive " +
                CheckReport.describe(listener.soKeepalive(), KernelKeepAlive.systemDefaults()));
        }
        if (admin != null)
        {
            out.println("admin http://" + HostPort.format(admin.address()) + "/");
        }
        out.flush();
    }
}
