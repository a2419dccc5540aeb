package io.vigil.net;

import io.vigil.test.NewerJdk;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On Vigil's own socket layer a read or write that meets EAGAIN costs one syscall, as on the JDK's
 * ({@link KernelEagainSyscallsCheck}, counted by the kernel in /proc/thread-self/io).
 */
class KernelEagainSyscallsTest
{
    @Test
    void shouldSpendOneSyscallPerReadOrWriteThatMeetsEagain() throws Exception
    {
        NewerJdk.assumeInstalled();
        final String output = KernelCheckRun.passing(KernelEagainSyscallsCheck.class);
        assertTrue(output.contains("OK eagain"), output);
    }
}
