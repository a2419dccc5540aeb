package io.vigil.cli;

import io.vigil.net.SocketLayer;
import io.vigil.admin.AdminResponseView;
import io.vigil.admin.AdminServer;
import io.vigil.config.ConfigError;
import io.vigil.config.ConfigLoader;
import io.vigil.config.IdleConfig;
import io.vigil.config.ListenerConfig;
import io.vigil.config.LogFormat;
import io.vigil.config.VigilConfig;
import io.vigil.log.Log;
import io.vigil.net.Errno;
import io.vigil.net.HostPort;
import io.vigil.net.KernelKeepAlive;
import io.vigil.net.SocketProbe;
import io.vigil.runtime.ConfigReloader;
import io.vigil.runtime.ConfigWatcher;
import io.vigil.runtime.VigilServer;
import io.vigil.session.SessionObserver;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code vigil run}: load the configuration, start the server and the admin listener, reload on SIGHUP, POST
 * /reload or a changed file (watch-config), and on SIGTERM or SIGINT (or a dying loop) drain and stop. Readiness
 * fails the moment the stop begins, before sessions are closed.
 */
final class RunCommand
{
    /** How long POST /reload waits for the reload's outcome (the admin loop serves other requests meanwhile). */
    private static final long ADMIN_RELOAD_WAIT_S = 30;

    private RunCommand()
    {
    }

    static int run(final File file, final PrintStream out, final PrintStream err, final SessionObserver observer)
    {
        // first of all: the JVM's own SIGHUP action is to exit, and a reload may be asked for while Vigil starts
        final AtomicReference<ConfigReloader> reloaderOnceStarted = new AtomicReference<>();
        final AtomicBoolean hangupWhileStarting = new AtomicBoolean();
        final boolean hangupHandled = Signals.on("HUP", () ->
        {
            final ConfigReloader started = reloaderOnceStarted.get();
            if (started != null)
            {
                started.request("SIGHUP");
            }
            else
            {
                hangupWhileStarting.set(true);
                final ConfigReloader late = reloaderOnceStarted.get(); // it may have started meanwhile
                if (late != null && hangupWhileStarting.getAndSet(false))
                {
                    late.request("SIGHUP while starting");
                }
            }
        });
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
        if (!hangupHandled)
        {
            Log.warn("SIGHUP was ignored when Vigil started (nohup?): the JVM keeps it ignored, so a SIGHUP " +
                "reloads nothing; reload with POST /reload on the admin listener or a config watch, or start " +
                "Vigil without nohup (a supervisor, setsid, or env --default-signal=HUP)");
        }
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
        final ConfigReloader reloader = new ConfigReloader(file, server);
        AdminServer admin = null;
        try
        {
            admin = config.admin().enabled() ?
                AdminServer.start(config.admin(), server, Vigil.version(), () -> adminReload(reloader)) : null;
        }
        catch (final IllegalStateException ex)
        {
            err.println("vigil: cannot start: " + ex.getMessage());
            reloader.close();
            server.close();
            return Vigil.EXIT_CONFIG;
        }
        // handlers first: a supervisor may signal as soon as it sees the "listening" line
        final StopSignals stop = new StopSignals(server);
        if (!Signals.on("TERM", () -> stop.signal("SIGTERM")))
        {
            Log.warn("SIGTERM was ignored when Vigil started: the JVM keeps it ignored, so only SIGINT or SIGKILL " +
                "stops Vigil");
        }
        Signals.on("INT", () -> stop.signal("SIGINT"));
        reloaderOnceStarted.set(reloader);
        if (hangupWhileStarting.getAndSet(false))
        {
            reloader.request("SIGHUP while starting");
        }
        server.onFatal(() -> stop.signal("a failed event loop"));
        final ConfigWatcher watcher = config.watchConfig() ? ConfigWatcher.start(file, reloader) : null;
        warnings();
        announce(out, config, server, admin);
        stop.awaitFirst();
        final boolean drained = drain(out, server, stop);
        if (watcher != null)
        {
            watcher.close();
        }
        reloader.close();
        if (admin != null)
        {
            admin.close();
        }
        out.println("vigil: stopped" + (drained ? "" : " (some sessions or loops did not drain in time)") + "; " +
            server.totals());
        out.flush();
        return server.fatal() == null ? Vigil.EXIT_OK : Vigil.EXIT_FATAL;
    }

    /**
     * The stop as Kubernetes drives it: readiness fails at once; for shutdown-delay Vigil still accepts (the
     * endpoint is being removed from load balancers); then listeners close and sessions get shutdown-timeout.
     * A second signal cuts either phase short. Uses the configuration running now (a reload may have changed it).
     */
    private static boolean drain(final PrintStream out, final VigilServer server, final StopSignals stop)
    {
        final VigilConfig running = server.currentConfig();
        server.beginDrain(); // /readyz answers 503 from here on
        final long delayMs = TimeUnit.NANOSECONDS.toMillis(running.shutdownDelayNs());
        if (delayMs > 0 && server.fatal() == null)
        {
            phase(out, "stopping (" + stop.firstCause() + "): readiness fails; still accepting for shutdown-delay " +
                delayMs + "ms");
            if (stop.awaitSecond(delayMs))
            {
                phase(out, "second signal: shutdown-delay cut short");
            }
        }
        phase(out, "stopping: no new connections; sessions have " +
            TimeUnit.NANOSECONDS.toMillis(running.shutdownTimeoutNs()) + "ms to finish");
        stop.onSecond(() ->
        {
            phase(out, "second signal: closing every session now");
            server.cutShort();
        });
        return server.shutdown();
    }

    private static void phase(final PrintStream out, final String line)
    {
        out.println("vigil: " + line);
        out.flush();
    }

    /** POST /reload: answered when the reload is done, or after ADMIN_RELOAD_WAIT_S; the admin loop never waits. */
    private static CompletableFuture<AdminResponseView> adminReload(final ConfigReloader reloader)
    {
        return reloader.request("POST /reload")
            .thenApply(outcome -> new AdminResponseView(outcome.applied() ? 200 : 500, outcome.message()))
            .completeOnTimeout(new AdminResponseView(503, "the reload is still running; see the log"),
                ADMIN_RELOAD_WAIT_S, TimeUnit.SECONDS);
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
        final String spin = config.idle().strategy() != IdleConfig.Strategy.SPIN ? "" :
            " (idle-strategy spin: " + TimeUnit.NANOSECONDS.toMicros(config.idle().spinNs()) + "us before blocking)";
        out.println("vigil " + Vigil.version() + " started: " + config.eventLoops() + " event loop(s)" + spin +
            ", config " + config.source() + ", " + SocketLayer.describe());
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
