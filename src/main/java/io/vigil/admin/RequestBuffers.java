package io.vigil.admin;

import io.vigil.http.codec.HttpHead;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One admin connection's request-head buffer and parser, taken from a {@link Pool} when it is accepted and given
 * back when it closes, so that a scraper's connection per scrape does not cost 8 KiB of garbage each time. Admin
 * thread only.
 */
final class RequestBuffers
{
    private final Pool pool;
    private final ByteBuffer in = ByteBuffer.allocate(AdminConnection.MAX_HEAD);
    private final HttpHead head = new HttpHead(true, AdminConnection.MAX_HEAD / 2, AdminConnection.MAX_HEAD);

    private RequestBuffers(final Pool pool)
    {
        this.pool = pool;
    }

    ByteBuffer in()
    {
        return in;
    }

    HttpHead head()
    {
        return head;
    }

    /** Give back, cleared; the connection must not touch them afterwards. */
    void release()
    {
        in.clear();
        head.reset();
        pool.give(this);
    }

    /** Buffers no connection holds, at most as many as connections served at once. */
    static final class Pool
    {
        private final ArrayDeque<RequestBuffers> spare = new ArrayDeque<>();
        private final int max;

        Pool(final int max)
        {
            this.max = max;
        }

        RequestBuffers take()
        {
            final RequestBuffers buffers = spare.poll();
            return buffers != null ? buffers : new RequestBuffers(this);
        }

        private void give(final RequestBuffers buffers)
        {
            if (spare.size() < max)
            {
                spare.push(buffers);
            }
        }
    }
}
