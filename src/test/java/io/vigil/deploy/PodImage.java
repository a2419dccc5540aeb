package io.vigil.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An overlay's manifests, with their image loaded into this checkout's podman store ({@link Podman}) before the
 * tests of a class that runs pods and removed after them; register it as a static {@code @RegisterExtension} field.
 * Those tests need root (network namespaces, podman): without it they are skipped, saying why (bin/test fails if
 * they were skipped).
 */
final class PodImage implements BeforeAllCallback, AfterAllCallback
{
    private final String overlay;
    private Rendered pod;
    private String loaded;

    /**
     * @param overlay the overlay to render, e.g. "overlays/host-network".
     */
    PodImage(final String overlay)
    {
        this.overlay = overlay;
    }

    @Override
    public void beforeAll(final ExtensionContext context) throws Exception
    {
        pod = Rendered.overlay(overlay);
        loaded = loadOrSkip(pod);
    }

    @Override
    public void afterAll(final ExtensionContext context)
    {
        if (loaded != null)
        {
            PodRun.podman("rmi", "--force", pod.vigil().getImage());
        }
    }

    /**
     * @return the rendered manifests.
     */
    Rendered pod()
    {
        return pod;
    }

    /**
     * @return podman's output when it loaded the image.
     */
    String loaded()
    {
        return loaded;
    }

    private static String loadOrSkip(final Rendered pod) throws IOException, InterruptedException
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
}
