package io.vigil.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What one client connection of a differential run sends: some valid requests, then perhaps one that ends the
 * connection (hostile, or valid and last) and perhaps more requests after it that Vigil must never forward, all
 * pipelined as one byte stream. Generated from (seed, case index) alone, so any case can be replayed by itself.
 *
 * @param index    the case's number in the run.
 * @param requests every request in the order sent, the ones after an ending request included.
 * @param answered how many requests get a response (up to and including the ending one).
 * @param bytes    the whole stream.
 * @param endsAt   offset in {@code bytes} where the ending request starts ({@code bytes.length} when none).
 * @param writes    seed for how the stream is split into writes and pauses.
 * @param halfClose  the client shuts its output right after the last byte (only when no request ends the
 *                   connection): Vigil answers every whole request pipelined before the FIN, in order (as nginx
 *                   does), and closes after the last, which may say Connection: close.
 * @param reset      the client resets the connection once every whole request is answered.
 * @param slowReader the client pauses before reading each response, so that Vigil meets a full socket.
 */
record DiffScript(int index, List<DiffRequest> requests, int answered, byte[] bytes, int endsAt, long writes,
    boolean halfClose, boolean reset, boolean slowReader)
{
    /**
     * @param seed  the run's seed.
     * @param index the case.
     * @return the case's script.
     */
    static DiffScript generate(final long seed, final int index)
    {
        final Random random = new Random(mix(seed + index * 0x9E3779B97F4A7C15L));
        final ValidRequests valid = new ValidRequests(random);
        final HostileRequests hostile = new HostileRequests(random);
        final List<DiffRequest> requests = new ArrayList<>();
        final int leading = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(8);
        for (int i = 0; i < leading; i++)
        {
            requests.add(valid.next(id(index, requests.size()), false));
        }
        final int ending = random.nextInt(100);
        if (ending < 45)
        {
            requests.add(hostile.next(id(index, requests.size())));
        }
        else if (ending < 65)
        {
            requests.add(valid.next(id(index, requests.size()), true));
        }
        final int answered = requests.size();
        if (answered > leading && !requests.get(answered - 1).rejectedEarly() && random.nextBoolean())
        {
            final int after = 1 + random.nextInt(3);
            for (int i = 0; i < after; i++)
            {
                requests.add(valid.next(id(index, requests.size()), false));
            }
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int endsAt = -1;
        for (int i = 0; i < requests.size(); i++)
        {
            if (i == leading)
            {
                endsAt = bytes.size();
            }
            bytes.writeBytes(requests.get(i).bytes());
        }
        final int end = answered == leading ? random.nextInt(12) : -1;
        final boolean halfClose = end == 0 || end == 1;
        final boolean reset = end == 2;
        if ((halfClose || reset) && random.nextBoolean())
        {
            // the client gives up inside a request: its FIN or reset, and nothing whole of it may arrive
            final DiffRequest cut = valid.next(id(index, requests.size()), false);
            requests.add(cut.truncated(1 + random.nextInt(cut.bytes().length - 1)));
            bytes.writeBytes(requests.get(requests.size() - 1).bytes());
        }
        final byte[] all = bytes.toByteArray();
        return new DiffScript(index, requests, answered, all, endsAt < 0 ? all.length : endsAt, random.nextLong(),
            halfClose, reset, random.nextInt(12) == 0);
    }

    /** SplitMix64's finaliser: java.util.Random's first outputs are nearly equal for nearby seeds. */
    private static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static String id(final int index, final int position)
    {
        return "c" + index + "n" + position;
    }

    /**
     * @param request  one of this script's requests.
     * @param answered how many requests the client got responses for.
     * @return true when Vigil must have forwarded it: it was answered and is not hostile.
     */
    boolean mustArrive(final DiffRequest request, final int answered)
    {
        final int position = requests.indexOf(request);
        return position < answered && request.kind() != DiffRequest.Kind.HOSTILE &&
            request.kind() != DiffRequest.Kind.TRUNCATED;
    }

    /**
     * @param position a request's position, or {@code requests().size()}.
     * @return where that request starts in {@link #bytes()} (the length for the end).
     */
    int offsetOf(final int position)
    {
        int offset = 0;
        for (int i = 0; i < position; i++)
        {
            offset += requests.get(i).bytes().length;
        }
        return offset;
    }

    /**
     * @param request one of this script's requests.
     * @return where its body starts in {@link #bytes()}.
     */
    int bodyOffset(final DiffRequest request)
    {
        int offset = 0;
        for (final DiffRequest each : requests)
        {
            if (each == request)
            {
                return offset + request.bodyOffset();
            }
            offset += each.bytes().length;
        }
        throw new IllegalArgumentException(request.id());
    }

    /**
     * @param limit most characters shown.
     * @return the stream escaped for a failure message (CR, LF and controls visible).
     */
    String escaped(final int limit)
    {
        final String text = new String(bytes, StandardCharsets.ISO_8859_1);
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < limit; i++)
        {
            final char c = text.charAt(i);
            if (c == '\r')
            {
                out.append("\\r");
            }
            else if (c == '\n')
            {
                out.append("\\n");
            }
            else if (c < 0x20 || c >= 0x7f)
            {
                out.append(String.format("\\x%02x", (int)c));
            }
            else
            {
                out.append(c);
            }
        }
        return out.length() >= limit ? out + "... (" + bytes.length + " bytes)" : out.toString();
    }

    /**
     * @return one line per request: id, label, kind.
     */
    String summary()
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < requests.size(); i++)
        {
            final DiffRequest request = requests.get(i);
            out.append("    ").append(request.id()).append(' ').append(request.kind()).append(' ')
                .append(request.waitForContinue() ? "(client waits for 100) " : "")
                .append(request.label()).append(i >= answered ? " (after the end: must not arrive)" : "")
                .append('\n');
        }
        return out + (halfClose ? "    then the client shuts its output\n" : "") +
            (reset ? "    then the client resets the connection\n" : "") +
            (slowReader ? "    (the client reads slowly)\n" : "");
    }
}
