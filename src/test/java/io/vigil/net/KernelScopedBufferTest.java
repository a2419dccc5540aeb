package io.vigil.net;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vigil's own socket layer refuses a direct buffer whose arena is closed, as the JDK's channels do, instead of
 * reading or writing freed memory through its raw address ({@link KernelScopedBufferCheck}).
 */
class KernelScopedBufferTest
{
    @Test
    void shouldRefuseBuffersOfClosedArenasAsTheJdkDoes() throws Exception
    {
        NewerJdk.assumeInstalled();
        final String output = KernelCheckRun.passing(KernelScopedBufferCheck.class);
        assertTrue(output.contains("OK scoped"), output);
    }
}
