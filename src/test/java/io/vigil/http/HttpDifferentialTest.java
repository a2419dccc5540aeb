package io.vigil.http;

import io.vigil.test.Await;
import io.vigil.test.RecordingOrigin;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Differential end-to-end test of HTTP mode: random client connections pipeline mixes of valid and hostile
 * requests ({@link ValidRequests}, {@link HostileRequests}), split at random byte boundaries with small pauses,
 * through a real Vigil to a {@link RecordingOrigin} that parses strictly and records what it received. Every
 * response must match its own request; the origin must receive exactly the valid requests each connection sent
 * up to its first hostile (or last) request, in order, whole, and nothing else; every hostile request gets its
 * status and a clean close.
 *
 * <p>Bounded by case count and time: {@code -Dvigil.diff.seconds} (default 4), {@code -Dvigil.diff.iterations}
 * (cases, default 100000). Seedable: the seed is printed and every failure names it; {@code -Dvigil.diff.seed=S}
 * replays a run's bytes and splits, {@code -Dvigil.diff.case=N} only its case N. {@code -Dvigil.diff.parallel}
 * sets concurrent connections (default 3); a long run restarts Vigil and the origin every
 * {@code -Dvigil.diff.round-seconds} (default 20) to check and free what the origin recorded;
 * {@code -Dvigil.diff.variant=V} pins Vigil's settings (see {@code VARIANTS}; they rotate by round otherwise);
 * {@code -Dvigil.diff.trace=true} prints every case with its time.
 */
class HttpDifferentialTest
{
    private static final int MAX_REPORTED = 5;
    private static final Pattern CASE_IN_TARGET = Pattern.compile("id=c(\\d+)n");

    private final long seed = Long.getLong("vigil.diff.seed", System.nanoTime());
    private final int seconds = Integer.getInteger("vigil.diff.seconds", 4);
    private final int iterations = Integer.getInteger("vigil.diff.iterations", 100_000);
    private final int onlyCase = Integer.getInteger("vigil.diff.case", -1);
    private final int parallel = Integer.getInteger("vigil.diff.parallel", 3);
    private final int roundSeconds = Integer.getInteger("vigil.diff.round-seconds", 20);

    private final AtomicInteger nextCase = new AtomicInteger();
    private final AtomicInteger casesRun = new AtomicInteger();
    private final AtomicLong requestsAnswered = new AtomicLong();
    private final AtomicLong hostileRefused = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final Map<Integer, List<String>> failures = Collections.synchronizedMap(new HashMap<>());
    private final Map<Integer, Integer> answered = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> variantOf = new ConcurrentHashMap<>();

    @Test
    void shouldForwardExactlyTheValidRequestsAndAnswerEachWithItsOwnResponse()
    {
        // a stuck event loop also stalls Vigil's shutdown: report what the clients saw by then
        assertTimeoutPreemptively(Duration.ofSeconds(seconds + 60L), this::campaign,
            () -> "timed out (is an event loop stuck?); " + report());
    }

    private void campaign() throws Exception
    {
        System.out.println("differential: seed=" + seed + " (replay with -Dvigil.diff.seed=" + seed + ")");
        final long startNs = System.nanoTime();
        final long endNs = startNs + Duration.ofSeconds(seconds).toNanos();
        int rounds = 0;
        final int lastCase = onlyCase >= 0 ? onlyCase + 1 : iterations;
        if (onlyCase >= 0)
        {
            nextCase.set(onlyCase);
        }
        while (nextCase.get() < lastCase && (rounds == 0 || System.nanoTime() < endNs) && failures.isEmpty())
        {
            final long roundEndNs = Math.min(endNs, System.nanoTime() + Duration.ofSeconds(roundSeconds).toNanos());
            round(rounds, roundEndNs, lastCase);
            rounds++;
        }
        final long ms = (System.nanoTime() - startNs) / 1_000_000;
        System.out.printf("differential: seed=%d cases=%d answered=%d hostile-refused=%d bytes=%d rounds=%d in %d ms%n",
            seed, casesRun.get(), requestsAnswered.get(), hostileRefused.get(), bytesSent.get(),
            rounds, ms);
        if (!failures.isEmpty())
        {
            fail(report());
        }
    }

    /** Vigil's settings rotate by round: loops, pooled or fresh upstream connections, retired ones, XFF. */
    private static final String[] VARIANTS = {
        "2 loops, pool of 4 per loop",
        "1 loop, default pool",
        "2 loops, no upstream reuse",
        "1 loop, upstream connections retired after 3 requests, X-Forwarded-For added",
        "2 loops, client connections closed after 4 requests (keepalive-requests = 4)"};

    private int variant(final int round)
    {
        return Integer.getInteger("vigil.diff.variant", (int)Math.floorMod(seed + round, (long)VARIANTS.length));
    }

    private String config(final RecordingOrigin origin, final int variant)
    {
        final String listener = ", access-log = false, buffer-size = 8k, max-request-line = " +
            ValidRequests.MAX_REQUEST_LINE + ", max-header-size = " + ValidRequests.MAX_HEAD +
            ", client-max-body-size = " + HostileRequests.MAX_BODY + (variant == 3 ? ", add-x-forwarded = true" : "") +
            (variant == 4 ? ", keepalive-requests = " + keepaliveRequests(variant) : "");
        final String upstream = switch (variant)
        {
            case 0 -> "keepalive { idle = 4 }";
            case 2 -> "keepalive { idle = 0 }";
            case 3 -> "keepalive { requests = 3 }";
            default -> "";
        };
        return HttpConfigs.web(variant % 2 == 0 ? 2 : 1, "\"" + origin.hostPort() + "\"", listener, upstream);
    }

    private static int keepaliveRequests(final int variant)
    {
        return variant == 4 ? 4 : Integer.MAX_VALUE;
    }

    private void round(final int round, final long endNs, final int lastCase) throws Exception
    {
        final int variant = variant(round);
        final Map<String, DiffScript> scripts = new ConcurrentHashMap<>();
        try (RecordingOrigin origin = RecordingOrigin.start())
        {
            try (VigilHarness vigil = VigilHarness.start(config(origin, variant)))
            {
                final ExecutorService clients = Executors.newFixedThreadPool(parallel);
                try
                {
                    final List<Future<?>> running = new ArrayList<>();
                    for (int i = 0; i < parallel; i++)
                    {
                        running.add(clients.submit(() -> clientLoop(vigil, endNs, lastCase, scripts, variant)));
                    }
                    for (final Future<?> future : running)
                    {
                        future.get();
                    }
                }
                finally
                {
                    clients.shutdownNow();
                }
            }
            // Vigil closed its pooled connections: the origin's readers end and every cut-off body is recorded
            Await.until(() -> origin.openConnections() == 0, Duration.ofSeconds(10), "origin connections to end");
            checkOrigin(origin, scripts);
        }
    }

    private void clientLoop(final VigilHarness vigil, final long endNs, final int lastCase,
        final Map<String, DiffScript> scripts, final int variant)
    {
        while (System.nanoTime() < endNs && failures.isEmpty())
        {
            final int index = nextCase.getAndIncrement();
            if (index >= lastCase)
            {
                return;
            }
            final DiffScript script = DiffScript.generate(seed, index);
            casesRun.incrementAndGet();
            variantOf.put(index, variant);
            for (final DiffRequest request : script.requests())
            {
                scripts.put(request.id(), script);
            }
            bytesSent.addAndGet(script.bytes().length);
            final long t0 = System.nanoTime();
            final DiffClient client = new DiffClient(script, keepaliveRequests(variant));
            final List<String> problems = client.run(vigil.address("web"));
            answered.put(index, problems.isEmpty() ? client.answered() : script.answered());
            requestsAnswered.addAndGet(client.answered());
            if (client.answered() > 0 &&
                script.requests().get(client.answered() - 1).kind() == DiffRequest.Kind.HOSTILE)
            {
                hostileRefused.incrementAndGet();
            }
            if (Boolean.getBoolean("vigil.diff.trace"))
            {
                System.out.println("case " + index + " " + (System.nanoTime() - t0) / 1_000_000 + " ms " +
                    script.bytes().length + " bytes\n" + script.summary());
            }
            if (!problems.isEmpty())
            {
                failures.computeIfAbsent(index, i -> Collections.synchronizedList(new ArrayList<>())).addAll(problems);
            }
        }
    }

    private void checkOrigin(final RecordingOrigin origin, final Map<String, DiffScript> scripts)
    {
        for (final String violation : origin.violations())
        {
            final Matcher id = CASE_IN_TARGET.matcher(violation);
            failures.computeIfAbsent(id.find() ? Integer.parseInt(id.group(1)) : -1,
                i -> Collections.synchronizedList(new ArrayList<>())).add("the origin saw: " + violation);
        }
        final Map<String, RecordingOrigin.Received> arrived = new HashMap<>();
        for (final RecordingOrigin.Received received : origin.received())
        {
            final DiffScript script = received.id() == null ? null : scripts.get(received.id());
            final DiffRequest request = script == null ? null : find(script, received.id());
            final String what = received.method() + " " + received.target() + " on origin connection " +
                received.connection() + (received.complete() ? "" : " (cut off)");
            if (request == null)
            {
                failures.computeIfAbsent(script == null ? -1 : script.index(),
                        i -> Collections.synchronizedList(new ArrayList<>()))
                    .add("the origin received a request nobody sent: " + what);
            }
            else if (!received.complete())
            {
                final boolean mayBeCut = request.kind() == DiffRequest.Kind.HOSTILE &&
                    script.requests().indexOf(request) < script.answered() ||
                    request.kind() == DiffRequest.Kind.TRUNCATED;
                if (!mayBeCut || !request.headMayReach())
                {
                    problem(script, "the origin received part of " + request.id() + " (" + request.label() +
                        "): " + what);
                }
            }
            else if (!script.mustArrive(request, answered.get(script.index())))
            {
                problem(script, "the origin received " + request.id() + " (" + request.kind() + " " +
                    request.label() + "), which must never arrive: " + what);
            }
            else if (arrived.put(request.id(), received) != null)
            {
                problem(script, "the origin received " + request.id() + " twice: " + what);
            }
            else if (!request.bodyDigest().equals(received.bodyDigest()))
            {
                problem(script, "the origin received " + request.id() + " with body " + received.bodyDigest() +
                    ", sent " + request.bodyDigest());
            }
        }
        for (final DiffScript script : new HashSet<>(scripts.values()))
        {
            long lastSeq = 0;
            for (final DiffRequest request : script.requests())
            {
                if (!script.mustArrive(request, answered.get(script.index())))
                {
                    continue;
                }
                final RecordingOrigin.Received received = arrived.get(request.id());
                if (received == null)
                {
                    problem(script, "the origin never received " + request.id() + " (" + request.label() + ")");
                    break;
                }
                if (received.seq() < lastSeq)
                {
                    problem(script, "the origin received " + request.id() + " before the request sent ahead of it");
                }
                lastSeq = received.seq();
            }
        }
    }

    private void problem(final DiffScript script, final String problem)
    {
        failures.computeIfAbsent(script.index(), i -> Collections.synchronizedList(new ArrayList<>())).add(problem);
    }

    private static DiffRequest find(final DiffScript script, final String id)
    {
        for (final DiffRequest request : script.requests())
        {
            if (request.id().equals(id))
            {
                return request;
            }
        }
        return null;
    }

    private String report()
    {
        final StringBuilder out = new StringBuilder("differential test failed, seed " + seed + ", " +
            failures.size() + " failing case(s)\n");
        int shown = 0;
        for (final Map.Entry<Integer, List<String>> failure : new TreeMap<>(failures).entrySet())
        {
            if (shown++ == MAX_REPORTED)
            {
                break;
            }
            final int index = failure.getKey();
            out.append("case ").append(index).append(index < 0 ? " (unattributed)" :
                ": replay with -Dvigil.diff.seed=" + seed + " -Dvigil.diff.case=" + index + " -Dvigil.diff.variant=" +
                variantOf.get(index) + " (" + VARIANTS[variantOf.get(index)] + ")").append('\n');
            for (final String problem : failure.getValue())
            {
                out.append("  ").append(problem).append('\n');
            }
            if (index >= 0)
            {
                final DiffScript script = DiffScript.generate(seed, index);
                out.append("  requests:\n").append(script.summary());
                out.append("  bytes: ").append(script.escaped(3000)).append('\n');
            }
        }
        return out.toString();
    }
}
