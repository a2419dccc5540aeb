package io.vigil.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What Vigil knows about one server address, shared by every loop and carried from one configuration generation
 * to the next while the server stays: sessions open to it (max-conns counts across generations), passive-health
 * failures and their window, the active checks' verdict and their run of passes or failures. Lock-free.
 */
public final class PeerState
{
    final AtomicInteger conns = new AtomicInteger();
    final AtomicInteger fails = new AtomicInteger();
    volatile long accessedNs = Long.MIN_VALUE;
    volatile long checkedNs = Long.MIN_VALUE;
    volatile boolean healthy = true;
    /** Consecutive active-check passes and failures; one probe checks a server at a time (a reload hands over). */
    volatile int checkPasses;
    volatile int checkFailures;
}
