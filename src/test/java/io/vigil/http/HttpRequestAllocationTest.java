package io.vigil.http;

import io.vigil.test.RawHttp;
import io.vigil.test.TestOrigin;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A keep-alive HTTP request over a pooled upstream connection allocates nothing on the event loop (issues 10,
 * 15): on a JVM with Serial GC and a small heap every young collection stops the loop, and at tens of thousands of
 * requests a second a few dozen bytes per request is a pause every second or two, straight into the tail. Client
 * and upstream connections are kept for the whole run (no accept, no connect: those allocate, once per
 * connection). The bound (8 B per request on average) leaves room for a timer or a GC bookkeeping object now and
 * then, not for one object per request (16 B at least).
 */
@Timeout(120)
class HttpRequestAllocationTest
{
    private static final int CONNECTIONS = 4;
    private static final int WARM_UP = 6000;
    private static final int MEASURED = 6000;
    private static final long BOUND_PER_REQUEST = 8;

    @Test
    void shouldRelayKeepAliveRequestsWithoutGarbage() throws Exception
    {
        try (TestOrigin origin = TestOrigin.start();
            VigilHarness vigil = VigilHarness.start("vigil { event-loops = 1, listeners = [{ name = web, " +
                "listen = \"127.0.0.1:0\", mode = http, upstream = web, access-log = false, " +
                "keepalive-requests = 1000000 }], upstreams { web { servers = [\"" + origin.hostPort() + "\"], " +
                "keepalive { idle = 8, requests = 1000000 } } } }"))
        {
            final RawHttp[] clients = new RawHttp[CONNECTIONS];
            for (int i = 0; i < CONNECTIONS; i++)
            {
                clients[i] = new RawHttp(vigil.address("web"));
            }
            try
            {
                requests(clients, WARM_UP);
                final com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
                final long loop = threadId("vigil-loop-0");
                final long before = threads.getThreadAllocatedBytes(loop);
                requests(clients, MEASURED);
                final long perRequest = (threads.getThreadAllocatedBytes(loop) - before) / MEASURED;
                System.out.println("event loop: " + perRequest + " B per keep-alive request");
                assertTrue(perRequest < BOUND_PER_REQUEST,
                    "the event loop allocated " + perRequest + " B per keep-alive request");
            }
            finally
            {
                for (final RawHttp client : clients)
                {
                    client.close();
                }
            }
        }
    }

    private static void requests(final RawHttp[] clients, final int count) throws Exception
    {
        for (int i = 0; i < count; i++)
        {
            assertEquals(200, clients[i % clients.length].get("/").status());
        }
    }

    private static long threadId(final String name)
    {
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().equals(name))
            {
                return thread.getId();
            }
        }
        throw new AssertionError("no " + name + " thread");
    }
}
