package io.vigil.net;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vigil's own socket layer ({@code -Dvigil.sockets=kernel}) on the newer JDK under /usr/lib/jvm allocates nothing per
 * packet once compiled: {@link KernelAllocationCheck} counts the bytes over 100,000 round trips of direct buffers
 * (write, epoll_wait, read, gathering write) on a real loopback pair.
 */
class KernelAllocationTest
{
    @Test
    void shouldAllocateNothingPerRoundTripOfDirectBuffers() throws Exception
    {
        NewerJdk.assumeInstalled();
        final String output = KernelCheckRun.passing(KernelAllocationCheck.class);
        assertTrue(output.contains("OK allocation"), output);
    }
}
