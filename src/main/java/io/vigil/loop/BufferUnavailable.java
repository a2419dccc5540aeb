package io.vigil.loop;

/**
 * Thrown by {@link BufferPool#acquire()} when no buffer can be had: the cap ({@code vigil.max-buffer-memory}) is
 * reached, or the JVM's direct memory is exhausted (the OutOfMemoryError of allocateDirect stops at the pool). The
 * session that asked is closed ({@code reason=buffer_memory}); no other session is touched and the loop goes on.
 * One shared instance without a stack trace: throwing it allocates nothing.
 */
public final class BufferUnavailable extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** The one instance. */
    public static final BufferUnavailable INSTANCE = new BufferUnavailable();

    private BufferUnavailable()
    {
        super("no buffer memory left (vigil.max-buffer-memory or -XX:MaxDirectMemorySize reached)", null, false,
            false);
    }
}
