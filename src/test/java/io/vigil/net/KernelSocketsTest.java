package io.vigil.net;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vigil's own socket layer ({@code -Dvigil.sockets=kernel}) on the newer JDK under /usr/lib/jvm: the checks of
 * {@link KernelSocketsCheck} (the stale event of a reused descriptor in one epoll pass, the JDK's exception texts,
 * keepalive as the kernel sees it) run in a JVM of that JDK against real sockets.
 */
class KernelSocketsTest
{
    @Test
    void shouldPassTheSocketLayerChecksOnTheNewerJdk() throws Exception
    {
        NewerJdk.assumeInstalled();
        final String output = KernelCheckRun.passing(KernelSocketsCheck.class);
        assertTrue(output.contains("OK kernel"), output);
    }
}
