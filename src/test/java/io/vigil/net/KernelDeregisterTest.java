package io.vigil.net;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vigil's own selector ({@code -Dvigil.sockets=kernel}) on the newer JDK under /usr/lib/jvm deregisters cancelled
 * keys from their channels: the checks of {@link KernelDeregisterCheck} run in a JVM of that JDK.
 */
class KernelDeregisterTest
{
    @Test
    void shouldDeregisterCancelledKeysFromTheirChannels() throws Exception
    {
        NewerJdk.assumeInstalled();
        final String output = KernelCheckRun.passing(KernelDeregisterCheck.class);
        assertTrue(output.contains("OK deregister"), output);
    }
}
