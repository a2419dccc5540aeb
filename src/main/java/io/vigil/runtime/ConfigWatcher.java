package io.vigil.runtime;

import io.vigil.log.Log;

import java.io.File;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * {@code watch-config = true}: reload when the configuration file's content changes. It watches the file's
 * directory, not the file: a Kubernetes ConfigMap volume never writes the file, it swaps a {@code ..data}
 * symbolic link to a new directory, and editors often replace files by rename. Events only wake it up; the
 * decision is the content's hash against the last one loaded, after the directory has been quiet for a moment,
 * so a swap that fires many events makes one reload and a touch that changes nothing makes none. The hash is
 * also polled, for file systems that send no events. Runs on its own daemon thread.
 */
public final class ConfigWatcher implements AutoCloseable
{
    /** Events arrive in bursts (a ConfigMap swap is several renames): wait for quiet before reading. */
    private static final long QUIET_NS = TimeUnit.MILLISECONDS.toNanos(300);
    /** Fallback polling of the hash, for file systems without change events. */
    private static final long POLL_NS = TimeUnit.SECONDS.toNanos(2);
    private static final long WAKE_MS = 100;

    private final File file;
    private final ConfigReloader reloader;
    private final WatchService events;
    private final Thread thread;
    /**
     * A request reads the file after it is made, so one request per new hash is enough until a reload has read
     * the file (then the running content may differ again: a SIGHUP may have loaded another version meanwhile).
     */
    private String requestedHash;
    private long readsWhenRequested;

    private ConfigWatcher(final File file, final ConfigReloader reloader, final WatchService events)
    {
        this.file = file;
        this.reloader = reloader;
        this.events = events;
        this.thread = new Thread(this::run, "vigil-config-watch");
        this.thread.setDaemon(true);
    }

    /**
     * Start watching.
     *
     * @param file     the configuration file.
     * @param reloader what reloads it.
     * @return the running watcher.
     */
    public static ConfigWatcher start(final File file, final ConfigReloader reloader)
    {
        final Path directory = file.getAbsoluteFile().toPath().getParent();
        WatchService events = null;
        try
        {
            events = directory.getFileSystem().newWatchService();
            directory.register(events, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                StandardWatchEventKinds.ENTRY_MODIFY);
        }
        catch (final IOException ex)
        {
            Log.warn("watch-config: cannot watch " + directory + " (" + ex.getMessage() + "); polling " + file +
                " every " + TimeUnit.NANOSECONDS.toSeconds(POLL_NS) + "s instead");
            closeQuietly(events);
            events = null;
        }
        final ConfigWatcher watcher = new ConfigWatcher(file, reloader, events);
        watcher.thread.start();
        return watcher;
    }

    private void run()
    {
        long lastEventNs = 0;
        boolean unsettled = false;
        long lastPollNs = System.nanoTime();
        try
        {
            while (!Thread.currentThread().isInterrupted())
            {
                if (waitForEvents())
                {
                    unsettled = true;
                    lastEventNs = System.nanoTime();
                }
                final long now = System.nanoTime();
                if ((unsettled && now - lastEventNs >= QUIET_NS) || now - lastPollNs >= POLL_NS)
                {
                    unsettled = false;
                    lastPollNs = now;
                    reloadIfChanged();
                }
            }
        }
        catch (final InterruptedException | ClosedWatchServiceException ex)
        {
            // closed: stop watching
        }
    }

    /** @return true when the directory reported a change. */
    private boolean waitForEvents() throws InterruptedException
    {
        if (events == null)
        {
            Thread.sleep(WAKE_MS);
            return false;
        }
        final WatchKey key = events.poll(WAKE_MS, TimeUnit.MILLISECONDS);
        if (key == null)
        {
            return false;
        }
        key.pollEvents();
        key.reset();
        return true;
    }

    private void reloadIfChanged()
    {
        final String hash = ConfigReloader.hashOrNull(file);
        // unreadable for a moment (mid-swap, or deleted): wait for a readable version rather than fail a reload
        final boolean pending = hash != null && hash.equals(requestedHash) && reloader.reads() == readsWhenRequested;
        if (hash != null && !Objects.equals(hash, reloader.loadedHash()) && !pending)
        {
            requestedHash = hash;
            readsWhenRequested = reloader.reads();
            reloader.request("config file changed");
        }
    }

    private static void closeQuietly(final WatchService events)
    {
        if (events != null)
        {
            try
            {
                events.close();
            }
            catch (final IOException ignored)
            {
                // closing
            }
        }
    }

    @Override
    public void close()
    {
        thread.interrupt();
        closeQuietly(events);
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(1));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
