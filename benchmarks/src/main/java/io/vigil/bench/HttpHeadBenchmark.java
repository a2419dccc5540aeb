package io.vigil.bench;

import io.vigil.http.codec.HttpHead;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Cost of parsing and validating one HTTP/1.1 head in place, as HTTP mode does for every request and response:
 * a browser-like request (13 fields, 560 bytes) and a typical response. {@code -prof gc} shows no allocation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HttpHeadBenchmark
{
    private static final String REQUEST = "GET /api/v1/orders?customer=42&page=3 HTTP/1.1\r\n" +
        "Host: shop.example.com\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
        "Accept-Language: en-US,en;q=0.5\r\n" +
        "Accept-Encoding: gzip, deflate, br\r\n" +
        "Connection: keep-alive\r\n" +
        "Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; consent=1\r\n" +
        "Upgrade-Insecure-Requests: 1\r\n" +
        "Sec-Fetch-Dest: document\r\n" +
        "Sec-Fetch-Mode: navigate\r\n" +
        "Sec-Fetch-Site: none\r\n" +
        "X-Request-Id: 3b241101-e2bb-4255-8caf-4136c566a962\r\n" +
        "Cache-Control: max-age=0\r\n\r\n";
    private static final String RESPONSE = "HTTP/1.1 200 OK\r\n" +
        "Server: origin\r\nDate: Tue, 24 Nov 2026 11:32:15 GMT\r\nContent-Type: application/json\r\n" +
        "Content-Length: 1432\r\nCache-Control: private, max-age=0\r\nKeep-Alive: timeout=60\r\n" +
        "Vary: Accept-Encoding\r\n\r\n";

    private final HttpHead requestHead = new HttpHead(true, 8192, 32768);
    private final HttpHead responseHead = new HttpHead(false, 32767, 32767);
    private ByteBuffer request;
    private ByteBuffer response;

    @Setup
    public void setUp()
    {
        request = direct(REQUEST);
        response = direct(RESPONSE);
    }

    private static ByteBuffer direct(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    @Benchmark
    public int request()
    {
        requestHead.reset();
        return requestHead.scan(request, request.limit()) + requestHead.fieldCount();
    }

    @Benchmark
    public int response()
    {
        responseHead.reset();
        return responseHead.scan(response, response.limit()) + (int)responseHead.contentLength();
    }
}
