package io.vigil.runtime;

import io.vigil.config.ConfigError;
import io.vigil.config.ConfigLoader;
import io.vigil.config.LogFormat;
import io.vigil.config.VigilConfig;
import io.vigil.log.Log;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reloads the configuration file into a running server, one reload at a time, on its own thread. Triggers
 * (SIGHUP, POST /reload, the file watcher) only ask: requests that arrive while a reload waits to start join it,
 * so a burst of triggers costs one reload; a request during a reload queues one more (the file may have changed
 * after it was read). The whole file is loaded and validated before the server sees it; any error keeps the
 * running configuration, is logged with file and line, and counted.
 */
public final class ConfigReloader implements AutoCloseable
{
    /**
     * How a reload ended.
     *
     * @param applied true when the new configuration runs.
     * @param message what changed, or why nothing did.
     */
    public record Outcome(boolean applied, String message)
    {
    }

    private final File file;
    private final VigilServer server;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable ->
    {
        final Thread reloader = new Thread(runnable, "vigil-reload");
        reloader.setDaemon(true);
        // started lazily, maybe from the signal thread, which has none: libraries that look for it must find ours
        reloader.setContextClassLoader(ConfigReloader.class.getClassLoader());
        return reloader;
    });
    private final AtomicReference<CompletableFuture<Outcome>> waiting = new AtomicReference<>();
    private volatile String loadedHash;
    /** How many times a reload has read the file: tells the watcher whether its request was served. */
    private volatile long reads;

    /**
     * @param file   the configuration file the server was started from.
     * @param server the running server.
     */
    public ConfigReloader(final File file, final VigilServer server)
    {
        this.file = file;
        this.server = server;
        this.loadedHash = hashOrNull(file);
    }

    /**
     * Ask for a reload. Quick and safe from any thread, a signal handler included.
     *
     * @param trigger what asked, for the log (e.g. "SIGHUP").
     * @return completes when the reload (this request joined) has ended.
     */
    public CompletableFuture<Outcome> request(final String trigger)
    {
        while (true)
        {
            final CompletableFuture<Outcome> queued = waiting.get();
            if (queued != null)
            {
                return queued;
            }
            final CompletableFuture<Outcome> next = new CompletableFuture<>();
            if (waiting.compareAndSet(null, next))
            {
                try
                {
                    thread.execute(() -> run(next, trigger));
                }
                catch (final RuntimeException ex)
                {
                    // stopped: the reload will not happen
                    waiting.compareAndSet(next, null);
                    next.complete(new Outcome(false, "Vigil is stopping"));
                }
                return next;
            }
        }
    }

    private void run(final CompletableFuture<Outcome> mine, final String trigger)
    {
        // from here on a new request is not covered by this reload: it queues the next one
        waiting.compareAndSet(mine, null);
        Outcome outcome;
        try
        {
            outcome = reload(trigger);
        }
        catch (final RuntimeException ex)
        {
            Log.error("reload (" + trigger + ") failed unexpectedly", ex);
            server.reloadFailed();
            outcome = new Outcome(false, ex.toString());
        }
        mine.complete(outcome);
    }

    private Outcome reload(final String trigger)
    {
        // hashed before loading: if the file changes meanwhile, the watcher sees another hash and reloads again
        loadedHash = hashOrNull(file);
        reads = reads + 1; // this thread only writes it
        final VigilConfig next;
        try
        {
            next = ConfigLoader.load(file);
        }
        catch (final ConfigError ex)
        {
            server.reloadFailed();
            return refused(trigger, ex.getMessage());
        }
        final VigilConfig running = server.currentConfig();
        final Reloaded reloaded;
        try
        {
            reloaded = server.reload(next);
        }
        catch (final IllegalStateException ex)
        {
            return refused(trigger, ex.getMessage());
        }
        Log.json(next.logFormat() == LogFormat.JSON);
        RestartOnlyKeys.warnChanged(running, next);
        final String line = "reload (" + trigger + "): " + reloaded.describe();
        Log.info(line);
        return new Outcome(true, line);
    }

    private Outcome refused(final String trigger, final String why)
    {
        final String line = "reload (" + trigger + ") refused, generation " + server.generation() +
            " keeps running: " + why;
        Log.error(line, null);
        return new Outcome(false, line);
    }

    /**
     * @return how many times a reload has read the file so far.
     */
    public long reads()
    {
        return reads;
    }

    /**
     * @return the content hash of the file as last read for a (re)load, or null when it could not be read.
     */
    public String loadedHash()
    {
        return loadedHash;
    }

    /**
     * @param file a file.
     * @return the SHA-256 of its content (through symbolic links), or null when it cannot be read now.
     */
    static String hashOrNull(final File file)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                Files.readAllBytes(file.toPath())));
        }
        catch (final IOException ex)
        {
            return null;
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("this JDK lacks SHA-256", ex);
        }
    }

    @Override
    public void close()
    {
        thread.shutdownNow();
    }
}
