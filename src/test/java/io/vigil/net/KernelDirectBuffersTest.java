package io.vigil.net;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vigil's own socket layer on the newer JDK: reads and writes of direct buffers (no errno capture unless a call
 * fails) end as the JDK's do, checked by {@link KernelDirectBuffersCheck} over real loopback sockets.
 */
class KernelDirectBuffersTest
{
    @Test
    void shouldEndDirectReadsAndWritesAsTheJdkDoes() throws Exception
    {
        NewerJdk.assumeInstalled();
        final String output = KernelCheckRun.passing(KernelDirectBuffersCheck.class);
        assertTrue(output.contains("OK direct"), output);
    }
}
