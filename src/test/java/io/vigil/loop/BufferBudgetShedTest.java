package io.vigil.loop;

import io.vigil.stats.GlobalCounters;
import io.vigil.stats.LoopCounters;
import io.vigil.test.Await;
import org.agrona.concurrent.AgentRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two running loops charged to one buffer budget: buffers one loop's pool keeps idle fill the cap, and the other
 * loop, refused, asks for them; the first loop frees them on its own thread (a command), and the second then gets
 * its buffer. Without the ask the idle buffers would hold the cap until a trim, which keeps some for good.
 */
@Timeout(30)
class BufferBudgetShedTest
{
    private static final int SIZE = 1024;
    private static final int CAP_BUFFERS = 4;

    private final BufferBudget budget = new BufferBudget((long)CAP_BUFFERS * SIZE);
    private EventLoop first;
    private EventLoop second;
    private final List<AgentRunner> runners = new ArrayList<>();

    @BeforeEach
    void start()
    {
        first = started(new EventLoop(0, 64));
        second = started(new EventLoop(1, 64));
    }

    @AfterEach
    void stop()
    {
        first.terminate();
        second.terminate();
        runners.forEach(AgentRunner::close);
    }

    @Test
    void shouldFreeAnotherLoopsIdleBuffersWhenTheCapRefusesABuffer() throws Exception
    {
        final BufferPool firstPool = new BufferPool(SIZE, 64, new LoopCounters(GlobalCounters.SIZE), budget);
        final BufferPool secondPool = new BufferPool(SIZE, 64, new LoopCounters(GlobalCounters.SIZE), budget);
        budget.onShedIdle(first, firstPool::freeIdle);
        budget.onShedIdle(second, secondPool::freeIdle);

        // the first loop's sessions come and go: their buffers stay in its pool, idle, and fill the cap
        on(first, () ->
        {
            final List<ByteBuffer> lent = new ArrayList<>();
            for (int i = 0; i < CAP_BUFFERS; i++)
            {
                lent.add(firstPool.acquire());
            }
            lent.forEach(firstPool::release);
            return null;
        });
        assertEquals((long)CAP_BUFFERS * SIZE, budget.allocatedBytes(), "idle buffers count against the cap");

        // the second loop is refused once: the refusal asks the first loop for its idle buffers
        assertThrows(BufferUnavailable.class, () -> on(second, secondPool::acquire));
        Await.until(() -> budget.allocatedBytes() == 0, Duration.ofSeconds(10), () -> "the first loop freed what it " +
            "held idle; held: " + budget.allocatedBytes());
        assertTrue(on(second, () -> secondPool.acquire() != null), "the second loop gets its buffer now");
    }

    private EventLoop started(final EventLoop loop)
    {
        final AgentRunner runner = new AgentRunner(new SelectorIdleStrategy(loop), Throwable::printStackTrace, null,
            loop);
        AgentRunner.startOnThread(runner);
        runners.add(runner);
        return loop;
    }

    /** Runs on the loop's thread, as pools must be used; rethrows what it threw. */
    private static <T> T on(final EventLoop loop, final Supplier<T> work) throws Exception
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() ->
        {
            try
            {
                result.complete(work.get());
            }
            catch (final RuntimeException ex)
            {
                result.completeExceptionally(ex);
            }
        });
        try
        {
            return result.get(10, TimeUnit.SECONDS);
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            throw (Exception)ex.getCause();
        }
    }
}
