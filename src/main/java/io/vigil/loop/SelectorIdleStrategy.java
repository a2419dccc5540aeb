package io.vigil.loop;

import org.agrona.concurrent.IdleStrategy;

/**
 * Idles an {@link EventLoop} by blocking in its selector until I/O, a command or the next timer tick. A proxy
 * is mostly idle: spinning burns a core and parking adds latency, while a blocking select costs neither.
 */
public final class SelectorIdleStrategy implements IdleStrategy
{
    private final EventLoop loop;

    /**
     * @param loop the loop whose selector to block in.
     */
    public SelectorIdleStrategy(final EventLoop loop)
    {
        this.loop = loop;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount <= 0)
        {
            loop.blockInSelect();
        }
    }

    @Override
    public void idle()
    {
        loop.blockInSelect();
    }

    @Override
    public void reset()
    {
    }

    @Override
    public String alias()
    {
        return "selector";
    }
}
