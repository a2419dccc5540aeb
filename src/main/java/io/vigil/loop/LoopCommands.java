package io.vigil.loop;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The two ways other threads reach a loop: a bounded lock-free queue for hand-offs and read-outs (it may refuse),
 * and an unbounded queue for the control thread's few commands (reload, drain, stop), never refused so a change is
 * never half-applied. Offering is safe from any thread; running is the loop's. Waking the loop is its own job.
 */
final class LoopCommands
{
    /** At most this many of each queue per duty cycle, so a flood of commands cannot starve I/O. */
    private static final int COMMAND_LIMIT = 256;

    private final ManyToOneConcurrentArrayQueue<Runnable> commands;
    private final ConcurrentLinkedQueue<Runnable> controlCommands = new ConcurrentLinkedQueue<>();
    private final Consumer<Runnable> runCommand = Runnable::run;

    LoopCommands(final int capacity)
    {
        this.commands = new ManyToOneConcurrentArrayQueue<>(capacity);
    }

    boolean offer(final Runnable command)
    {
        return commands.offer(command);
    }

    void offerControl(final Runnable command)
    {
        controlCommands.add(command);
    }

    boolean isEmpty()
    {
        return commands.isEmpty() && controlCommands.isEmpty();
    }

    /**
     * Run what waits, up to the limit per queue. Loop thread only.
     *
     * @return commands run.
     */
    int run()
    {
        int ran = commands.drain(runCommand, COMMAND_LIMIT);
        if (!controlCommands.isEmpty())
        {
            ran += runControlCommands();
        }
        return ran;
    }

    private int runControlCommands()
    {
        int ran = 0;
        Runnable command;
        while (ran < COMMAND_LIMIT && (command = controlCommands.poll()) != null)
        {
            ran++;
            command.run();
        }
        return ran;
    }
}
