package io.vigil.loop;

import java.nio.ByteBuffer;

/**
 * Direct buffers of one size, owned by one loop: borrowed while data is in flight and given back when drained,
 * so an idle session holds none. Not thread safe: only the owning loop uses it.
 */
public final class BufferPool
{
    private final int bufferSize;
    private final ByteBuffer[] free;
    private int freeCount;
    private long allocated;

    /**
     * @param bufferSize  bytes per buffer.
     * @param maxRetained how many returned buffers to keep for reuse; more are left to the GC.
     */
    public BufferPool(final int bufferSize, final int maxRetained)
    {
        this.bufferSize = bufferSize;
        this.free = new ByteBuffer[maxRetained];
    }

    /**
     * @return bytes per buffer.
     */
    public int bufferSize()
    {
        return bufferSize;
    }

    /**
     * @return a cleared buffer, reused when one is free.
     */
    public ByteBuffer acquire()
    {
        if (freeCount > 0)
        {
            final ByteBuffer buffer = free[--freeCount];
            free[freeCount] = null;
            return buffer;
        }
        allocated++;
        return ByteBuffer.allocateDirect(bufferSize);
    }

    /**
     * @param buffer a buffer from {@link #acquire()}, no longer used by the caller.
     */
    public void release(final ByteBuffer buffer)
    {
        if (freeCount < free.length)
        {
            buffer.clear();
            free[freeCount++] = buffer;
        }
    }

    /**
     * @return buffers allocated over the pool's life.
     */
    public long allocated()
    {
        return allocated;
    }

    /**
     * @return buffers waiting for reuse.
     */
    public int freeCount()
    {
        return freeCount;
    }
}
