package io.vigil.runtime;

import io.vigil.loop.EventLoop;
import io.vigil.loop.LoopSession;
import io.vigil.session.Session;
import io.vigil.session.SessionInfo;
import io.vigil.stats.GlobalCounters;
import io.vigil.stats.ListenerCounters;
import io.vigil.stats.LoopCounters;
import io.vigil.stats.StatsLayout;
import io.vigil.stats.StatsSnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Live figures while the loops run, for any thread: counters summed over the loops (no lock: each loop's
 * slots are read opaque), and a description of every live session, gathered by asking each loop through its
 * command queue (a loop that does not answer in time is left out rather than waited for).
 */
final class ReadOut
{
    private final EventLoop[] loops;
    private final StatsLayout layout;

    ReadOut(final EventLoop[] loops, final StatsLayout layout)
    {
        this.loops = loops;
        this.layout = layout;
    }

    /**
     * Every counter summed over the loops, now, while they run. Safe from any thread; no lock.
     *
     * @return the snapshot.
     */
    StatsSnapshot stats()
    {
        final List<LoopCounters> counters = new ArrayList<>(loops.length);
        for (final EventLoop loop : loops)
        {
            counters.add(loop.counters());
        }
        return StatsSnapshot.take(layout, counters);
    }

    /**
     * Ask every loop (through its command queue) to describe its live sessions, and wait for the answers.
     *
     * @param timeoutMs how long to wait for all loops; a loop that does not answer in time is left out.
     * @return the sessions, loop by loop.
     */
    List<SessionInfo> sessions(final long timeoutMs)
    {
        final List<CompletableFuture<List<SessionInfo>>> answers = new ArrayList<>();
        for (final EventLoop loop : loops)
        {
            final CompletableFuture<List<SessionInfo>> answer = new CompletableFuture<>();
            final boolean queued = loop.execute(() ->
            {
                final List<SessionInfo> described = new ArrayList<>(loop.sessionCount());
                final long nowNs = System.nanoTime();
                loop.forEachSession(session -> describe(session, nowNs, described));
                answer.complete(described);
            });
            if (queued)
            {
                answers.add(answer);
            }
        }
        final List<SessionInfo> all = new ArrayList<>();
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (final CompletableFuture<List<SessionInfo>> answer : answers)
        {
            try
            {
                all.addAll(answer.get(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            catch (final TimeoutException | ExecutionException ex)
            {
                // that loop is busy or stuck: list the others
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return all;
    }

    private static void describe(final LoopSession session, final long nowNs, final List<SessionInfo> into)
    {
        if (session instanceof Session)
        {
            into.add(((Session)session).describe(nowNs));
        }
    }

    /**
     * Totals for the operator's stop line.
     *
     * @return e.g. {@code sessions=12 accept_failures=0 ...}.
     */
    String totals(final long socketOptionFailures, final long accessLogDropped)
    {
        final StatsSnapshot snapshot = stats();
        long sessions = 0;
        long rejected = 0;
        for (final StatsLayout.Block block : snapshot.blocks())
        {
            if (block.kind() == StatsLayout.Kind.LISTENER)
            {
                sessions += snapshot.get(block, ListenerCounters.ACCEPTED);
                for (int r = 0; r < ListenerCounters.MAX_REJECT_REASONS; r++)
                {
                    rejected += snapshot.get(block, ListenerCounters.REJECTED + r);
                }
            }
        }
        final StatsLayout.Block global = snapshot.blocks().get(0);
        return "sessions=" + sessions + " accept_failures=" + snapshot.get(global, GlobalCounters.ACCEPT_FAILURES) +
            " handoff_refused=" + rejected + " handler_failures=" +
            snapshot.get(global, GlobalCounters.HANDLER_FAILURES) + " socket_option_failures=" +
            socketOptionFailures + " access_log_dropped=" + accessLogDropped;
    }
}
