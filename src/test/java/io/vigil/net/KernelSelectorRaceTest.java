package io.vigil.net;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vigil's own selector ({@code -Dvigil.sockets=kernel}) raced from other threads on the newer JDK under /usr/lib/jvm:
 * the checks of {@link KernelSelectorRaceCheck} (wakeups racing the eventfd drain) run in a JVM of that JDK.
 */
class KernelSelectorRaceTest
{
    @Test
    void shouldSurviveCrossThreadRacesOnTheKernelSelector() throws Exception
    {
        NewerJdk.assumeInstalled();
        final String output = KernelCheckRun.passing(KernelSelectorRaceCheck.class);
        assertTrue(output.contains("OK races"), output);
    }
}
