package io.vigil.http;

import io.vigil.test.RawHttp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Plays one {@link DiffScript} over one connection: a writer thread sends the stream split at random byte
 * boundaries with small random pauses, while the calling thread reads the responses and checks each against its
 * own request (status, echoed id, body digest, method and tag, response body, connection management), then that
 * the connection ends cleanly where it must.
 */
final class DiffClient
{
    private static final int MAX_WRITES = 600;
    private static final long MAX_PAUSE_TOTAL_NS = TimeUnit.MILLISECONDS.toNanos(150);

    private static final long CONTINUE_WAIT_MS = 3000;
    /** Only a bound against a stuck reader: the reader's own read timeout reports a missing response. */
    private static final long PREVIOUS_RESPONSE_WAIT_MS = 60_000;

    private final DiffScript script;
    private final int keepaliveRequests;
    private final List<String> problems = new ArrayList<>();
    private final CountDownLatch[] continued;
    /** Per request: its response was read (or the reader stopped). */
    private final CountDownLatch[] responded;
    private int answered;
    private long slowedNs;
    private volatile int failedWriteEnd;
    private volatile String continueMissing;
    private volatile IOException writeFailure;

    /**
     * @param script            what to send.
     * @param keepaliveRequests the listener's keepalive-requests: the response to that request closes.
     */
    DiffClient(final DiffScript script, final int keepaliveRequests)
    {
        this.script = script;
        this.keepaliveRequests = keepaliveRequests;
        this.continued = new CountDownLatch[script.requests().size()];
        this.responded = new CountDownLatch[script.requests().size()];
        for (int i = 0; i < continued.length; i++)
        {
            continued[i] = new CountDownLatch(1);
            responded[i] = new CountDownLatch(1);
        }
    }

    /**
     * @return how many requests got their response (all answered ones unless the client half-closed).
     */
    int answered()
    {
        return answered;
    }

    /**
     * @param vigil where to connect.
     * @return what went wrong, empty when the connection behaved.
     */
    List<String> run(final InetSocketAddress vigil)
    {
        try (RawHttp http = new RawHttp(vigil))
        {
            final Thread writer = new Thread(() -> write(http.socket()), "diff-writer-" + script.index());
            writer.setDaemon(true);
            writer.start();
            final boolean ended = readResponses(http);
            for (int i = 0; i < continued.length; i++)
            {
                continued[i].countDown(); // a writer still waiting for a 100 gives up
                responded[i].countDown();
            }
            if (problems.isEmpty() && !ended && script.reset())
            {
                writer.join(10_000);
                http.socket().setSoLinger(true, 0);
            }
            else if (problems.isEmpty() && !ended)
            {
                // every request answered and none ended the connection: our FIN must end it quietly
                writer.join(10_000);
                if (!script.halfClose())
                {
                    http.socket().shutdownOutput();
                }
                expectCleanClose(http, "after the client's FIN");
            }
            http.close();
            writer.join(10_000);
            if (writer.isAlive())
            {
                problems.add("the writer was still blocked 10 s after the connection closed");
            }
            if (continueMissing != null && problems.isEmpty())
            {
                problems.add("request " + continueMissing + ": no 100 Continue within " + CONTINUE_WAIT_MS +
                    " ms while the client waited for it");
            }
            final int endsAt = keepaliveRequests < script.requests().size() ?
                Math.min(script.endsAt(), script.offsetOf(keepaliveRequests)) : script.endsAt();
            if (writeFailure != null && failedWriteEnd <= endsAt)
            {
                // writes after the ending request may fail (Vigil need not read them); none before it may
                problems.add("a write ending at byte " + failedWriteEnd + " failed, before the ending request at " +
                    endsAt + ": " + writeFailure);
            }
        }
        catch (final IOException ex)
        {
            problems.add("connection failed: " + ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            problems.add("interrupted");
        }
        return problems;
    }

    /** @return true when a response ended the connection (and its close was checked). */
    private boolean readResponses(final RawHttp http)
    {
        for (int i = 0; i < Math.min(script.answered(), keepaliveRequests); i++)
        {
            final boolean lastByLimit = i == keepaliveRequests - 1;
            final DiffRequest request = script.requests().get(i);
            final String what = "request " + request.id() + " (" + request.label() + ")";
            try
            {
                if (script.slowReader() && slowedNs < MAX_PAUSE_TOTAL_NS * 3)
                {
                    final long pauseNs = ThreadLocalRandom.current().nextLong(30_000_000);
                    LockSupport.parkNanos(pauseNs);
                    slowedNs += pauseNs;
                }
                if (request.expectContinue() && !interim(http, what, 100, i) ||
                    request.earlyHints() && !interim(http, what, 103, i))
                {
                    return true;
                }
                final RawHttp.Response response = http.read(request.headRequest());
                answered = i + 1;
                responded[i].countDown();
                if (request.kind() == DiffRequest.Kind.HOSTILE)
                {
                    checkRefusal(request, what, response);
                }
                else
                {
                    checkAnswer(request, what, response, lastByLimit,
                        script.halfClose() && i == script.answered() - 1);
                }
                if (!problems.isEmpty())
                {
                    return true;
                }
                if (request.rejectedEarly() && !lastByLimit && !"close".equalsIgnoreCase(response.header("connection")))
                {
                    return false; // Vigil had the whole request: the connection may go on; our FIN ends it
                }
                if (request.ends() || lastByLimit ||
                    script.halfClose() && "close".equalsIgnoreCase(response.header("connection")))
                {
                    expectCleanClose(http, "after " + what);
                    return true;
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                problems.add(what + ": no proper response: " + ex);
                return true;
            }
        }
        return false;
    }

    /** @return true when the interim response with that status came. */
    private boolean interim(final RawHttp http, final String what, final int status, final int request)
        throws IOException
    {
        final RawHttp.Response interim = http.read(false);
        if (interim.status() != status)
        {
            problems.add(what + ": expected " + status + " first, got " + brief(interim));
            return false;
        }
        if (status == 100)
        {
            continued[request].countDown();
        }
        return true;
    }

    private void checkRefusal(final DiffRequest request, final String what, final RawHttp.Response response)
    {
        if (response.status() != request.status())
        {
            problems.add(what + ": expected status " + request.status() + ", got " + brief(response));
        }
        else if (!"close".equalsIgnoreCase(response.header("connection")))
        {
            problems.add(what + ": refusal without Connection: close: " + brief(response));
        }
    }

    /**
     * @param lastBeforeFin the last whole request before the client's FIN: Connection: close is allowed there (Vigil
     *                      may have read the FIN before its head went out), and only there: every request pipelined
     *                      before the FIN is answered.
     */
    private void checkAnswer(final DiffRequest request, final String what, final RawHttp.Response response,
        final boolean lastByLimit, final boolean lastBeforeFin)
    {
        final boolean mustClose = request.kind() == DiffRequest.Kind.LAST && !request.rejectedEarly() || lastByLimit;
        final String expectedBody = request.responseBody() == null ? "" :
            new String(request.responseBody(), StandardCharsets.ISO_8859_1);
        final String connection = response.header("connection");
        final String rawHead = response.raw().substring(0, Math.max(0, response.raw().indexOf("\r\n\r\n")))
            .toLowerCase(Locale.ROOT);
        if (response.status() != request.status())
        {
            problems.add(what + ": expected status " + request.status() + ", got " + brief(response));
        }
        else if (!request.id().equals(response.header("x-id")))
        {
            problems.add(what + ": answered with the response to " + response.header("x-id"));
        }
        else if (!request.bodyDigest().equals(response.header("x-digest")))
        {
            problems.add(what + ": the origin received a body with digest " + response.header("x-digest") +
                ", sent " + request.bodyDigest());
        }
        else if (!request.method().equals(response.header("x-method")))
        {
            problems.add(what + ": the origin saw method " + response.header("x-method"));
        }
        else if (request.tag() != null && !request.tag().equals(response.header("x-tag")))
        {
            problems.add(what + ": the origin saw X-Tag " + response.header("x-tag") + ", sent " + request.tag());
        }
        else if (!expectedBody.equals(response.body()))
        {
            problems.add(what + ": response body of " + response.body().length() + " bytes differs from the " +
                expectedBody.length() + " the origin sent");
        }
        else if (count(rawHead, "\ncontent-length:") + count(rawHead, "\ntransfer-encoding:") > 1)
        {
            problems.add(what + ": response framing is ambiguous: " + brief(response));
        }
        else if (mustClose && !"close".equalsIgnoreCase(connection))
        {
            problems.add(what + ": the connection's last response lacks Connection: close: " + brief(response));
        }
        else if (request.kind() == DiffRequest.Kind.VALID && !mustClose && !lastBeforeFin &&
            "close".equalsIgnoreCase(connection))
        {
            problems.add(what + ": Vigil closes a connection that should stay open: " + brief(response));
        }
        else if (request.http10KeepAlive() && !mustClose && !"keep-alive".equalsIgnoreCase(connection) &&
            !(lastBeforeFin && "close".equalsIgnoreCase(connection)))
        {
            problems.add(what + ": HTTP/1.0 keep-alive answered without Connection: keep-alive: " + brief(response));
        }
    }

    private void expectCleanClose(final RawHttp http, final String when)
    {
        try
        {
            final InputStream in = http.socket().getInputStream();
            final DiffRequest last = script.requests().isEmpty() ? null :
                script.requests().get(script.requests().size() - 1);
            if (last != null && last.kind() == DiffRequest.Kind.TRUNCATED && last.expectContinue())
            {
                // the cut request's head went through: the origin's 100 Continue may come back before the close
                final byte[] interim = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                final byte[] first = in.readNBytes(interim.length);
                if (first.length > 0 && !java.util.Arrays.equals(first, interim))
                {
                    problems.add("unrequested bytes " + when + ": " + new String(first, StandardCharsets.ISO_8859_1));
                    return;
                }
            }
            final int b = in.read();
            if (b >= 0)
            {
                final byte[] more = new byte[200];
                final int n = Math.max(0, in.read(more));
                problems.add("unrequested bytes " + when + ": " + (char)b +
                    new String(more, 0, n, StandardCharsets.ISO_8859_1));
            }
        }
        catch (final SocketException ex)
        {
            problems.add("reset instead of a clean close " + when + ": " + ex.getMessage());
        }
        catch (final IOException ex)
        {
            problems.add("no close " + when + ": " + ex);
        }
    }

    private void write(final Socket socket)
    {
        final Random random = new Random(script.writes());
        final byte[] bytes = script.bytes();
        final int maxPiece = new int[] {4, 64, 1024, 16 * 1024}[random.nextInt(4)];
        final int minPiece = Math.max(1, bytes.length / MAX_WRITES);
        final int pausePercent = new int[] {0, 2, 10, 30}[random.nextInt(4)];
        long pausedNs = 0;
        int offset = 0;
        int n = 0;
        int waitFor = nextWait(-1);
        try
        {
            final OutputStream out = socket.getOutputStream();
            while (offset < bytes.length)
            {
                final int stop = waitFor < 0 ? bytes.length : script.bodyOffset(script.requests().get(waitFor));
                if (offset == stop)
                {
                    // a client that honours Expect: the body only after the 100 (or after a while without). Vigil
                    // answers pipelined requests in order, so it can send this 100 only once the previous response
                    // is out: the while starts then, not when the head was sent (under load the earlier requests'
                    // hundreds of KB took longer than the whole wait, and a correct Vigil was reported)
                    if (waitFor > 0)
                    {
                        responded[waitFor - 1].await(PREVIOUS_RESPONSE_WAIT_MS, TimeUnit.MILLISECONDS);
                    }
                    if (!continued[waitFor].await(CONTINUE_WAIT_MS, TimeUnit.MILLISECONDS))
                    {
                        continueMissing = script.requests().get(waitFor).id();
                    }
                    waitFor = nextWait(waitFor);
                    continue;
                }
                n = Math.min(stop - offset, Math.max(minPiece, 1 + random.nextInt(maxPiece)));
                out.write(bytes, offset, n);
                out.flush();
                offset += n;
                if (random.nextInt(100) < pausePercent && pausedNs < MAX_PAUSE_TOTAL_NS)
                {
                    final long pauseNs = random.nextInt(2_000_000);
                    LockSupport.parkNanos(pauseNs);
                    pausedNs += pauseNs;
                }
            }
            if (script.halfClose())
            {
                socket.shutdownOutput();
            }
        }
        catch (final IOException ex)
        {
            failedWriteEnd = offset + n;
            writeFailure = ex;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the next request after {@code after} whose body waits for a 100, or -1. */
    private int nextWait(final int after)
    {
        for (int i = after + 1; i < script.answered(); i++)
        {
            if (script.requests().get(i).waitForContinue())
            {
                return i;
            }
        }
        return -1;
    }

    private static int count(final String text, final String what)
    {
        int count = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1))
        {
            count++;
        }
        return count;
    }

    private static String brief(final RawHttp.Response response)
    {
        final String raw = response.raw();
        return raw.substring(0, Math.min(raw.length(), 300)).replace("\r\n", "\\r\\n");
    }
}
