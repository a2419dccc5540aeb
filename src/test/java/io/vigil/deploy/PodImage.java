package io.vigil.deploy;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loads the image archive into this checkout's podman store ({@link Podman}) for the tests that run pods, and
 * removes it after them. Those tests need root (network namespaces, podman): without it they are skipped, saying
 * why (bin/test fails if they were skipped).
 */
final class PodImage
{
    private PodImage()
    {
    }

    /**
     * @param pod the rendered manifests whose image to load.
     * @return podman's output.
     * @throws IOException when a tool cannot be started.
     * @throws InterruptedException when interrupted.
     */
    static String loadOrSkip(final Rendered pod) throws IOException, InterruptedException
    {
        final String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
            StandardCharsets.US_ASCII).trim();
        if (!"0".equals(uid))
        {
            System.out.println("SKIPPED image run tests: they need root for network namespaces and podman (uid " + uid +
                ")");
        }
        Assumptions.assumeTrue("0".equals(uid), "image run tests need root (ip netns, podman); uid is " + uid);
        for (final String tool : List.of("podman", "runc", "ip"))
        {
            final Process which = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
            assertTrue(which.waitFor(5, TimeUnit.SECONDS) && which.exitValue() == 0,
                tool + " is missing: apt-get install podman runc iproute2 (bin/test does)");
        }
        final String loaded = PodRun.podman("load", "--input", OciImage.ARCHIVE.toString());
        assertTrue(loaded.contains("Loaded image: " + pod.vigil().getImage()), loaded);
        return loaded;
    }

    /**
     * @param pod the rendered manifests whose image to remove.
     */
    static void remove(final Rendered pod)
    {
        PodRun.podman("rmi", "--force", pod.vigil().getImage());
    }
}
