package io.vigil.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What Vigil knows about one server address, shared by every loop and carried from one configuration generation
 * to the next while the server stays: sessions open to it (max-conns counts across generations), passive-health
 * failures and their window, and the active checks' verdict. Lock-free.
 */
public final class PeerState
{
    final AtomicInteger conns = new AtomicInteger();
    final AtomicInteger fails = new AtomicInteger();
    volatile long accessedNs = Long.MIN_VALUE;
    volatile long checkedNs = Long.MIN_VALUE;
    volatile boolean healthy = true;
}
