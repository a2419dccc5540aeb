package io.vigil.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * deploy/kubernetes, rendered the way {@code kubectl apply -k} renders it: by {@code kubectl kustomize}, offline.
 */
final class Kustomize
{
    /** The kustomize tree, from the module's directory (where Maven runs tests). */
    static final Path ROOT = Paths.get("deploy", "kubernetes").toAbsolutePath();
    /** What an operator deploys: each overlay. */
    static final List<String> OVERLAYS = List.of("overlays/host-network", "overlays/host-port");
    /** Optional parts an overlay may add with {@code components:}. */
    static final List<String> COMPONENTS = List.of("components/podmonitor");
    /** Where renderings that combine an overlay with a component are written. */
    private static final Path SCRATCH = Paths.get("target", "kustomize").toAbsolutePath();

    private Kustomize()
    {
    }

    /**
     * @param directory a kustomization directory.
     * @return the rendered YAML.
     * @throws AssertionError when kubectl fails or warns (a deprecated field is a warning today, an error later).
     */
    static String render(final Path directory)
    {
        try
        {
            final Path errors = Files.createTempFile("kustomize", ".err");
            try
            {
                final Process process = new ProcessBuilder("kubectl", "kustomize", directory.toString())
                    .redirectError(errors.toFile()).start();
                final String yaml = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(60, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    throw new AssertionError("kubectl kustomize " + directory + " did not finish in 60 s");
                }
                final String stderr = Files.readString(errors);
                if (process.exitValue() != 0 || !stderr.isBlank())
                {
                    throw new AssertionError("kubectl kustomize " + directory + " exited " + process.exitValue() +
                        ":\n" + stderr);
                }
                return yaml;
            }
            finally
            {
                Files.deleteIfExists(errors);
            }
        }
        catch (final IOException ex)
        {
            throw new AssertionError("cannot run kubectl (kubectl 1.27+ has kustomize v5 built in): " + ex, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /**
     * @param overlay   an overlay under {@link #ROOT}.
     * @param component a component under {@link #ROOT}.
     * @return the overlay with the component added, as an operator would add it.
     */
    static String renderWithComponent(final String overlay, final String component)
    {
        final Path directory = SCRATCH.resolve(overlay.replace('/', '-') + "+" + component.replace('/', '-'));
        try
        {
            Files.createDirectories(directory);
            final String namespace = namespaceOf(ROOT.resolve(overlay));
            Files.writeString(directory.resolve("kustomization.yaml"), String.join("\n",
                "apiVersion: kustomize.config.k8s.io/v1beta1",
                "kind: Kustomization",
                "namespace: " + namespace,
                "resources:",
                "  - " + directory.relativize(ROOT.resolve(overlay)),
                "components:",
                "  - " + directory.relativize(ROOT.resolve(component)),
                ""));
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
        return render(directory);
    }

    private static String namespaceOf(final Path kustomization) throws IOException
    {
        for (final String line : Files.readAllLines(kustomization.resolve("kustomization.yaml")))
        {
            if (line.startsWith("namespace:"))
            {
                return line.substring("namespace:".length()).trim();
            }
        }
        throw new AssertionError(kustomization + " sets no namespace");
    }
}
