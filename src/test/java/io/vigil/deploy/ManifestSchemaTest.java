package io.vigil.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every manifest in deploy/kubernetes, and every rendering an operator can apply, against the real Kubernetes API
 * types with unknown fields, duplicate fields and wrong types failing (see {@link StrictKube}). And proof that this
 * validation bites: a copy of the tree with one mistake in it must fail.
 */
class ManifestSchemaTest
{
    static Stream<String> renderings()
    {
        final List<String> names = new ArrayList<>(List.of("base"));
        names.addAll(Kustomize.OVERLAYS);
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void shouldRenderToObjectsThatTheApiServerAccepts(final String directory)
    {
        final List<HasMetadata> objects =
            StrictKube.parse(Kustomize.render(Kustomize.ROOT.resolve(directory)), directory);
        assertEquals(List.of("Namespace", "ServiceAccount", "ConfigMap", "DaemonSet"),
            objects.stream().map(HasMetadata::getKind).toList(), directory);
    }

    @Test
    void shouldRenderEveryOverlayWithEveryComponent()
    {
        for (final String overlay : Kustomize.OVERLAYS)
        {
            for (final String component : Kustomize.COMPONENTS)
            {
                final Rendered rendered = Rendered.overlayWithComponent(overlay, component);
                assertTrue(rendered.podMonitor().isPresent(), rendered + " has a PodMonitor");
            }
        }
    }

    @Test
    void shouldValidateEveryManifestFileOnItsOwn() throws IOException
    {
        // the files themselves, patches included (a patch is a partial object of the same type)
        int files = 0;
        try (Stream<Path> walk = Files.walk(Kustomize.ROOT))
        {
            for (final Path file : walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList())
            {
                if (file.getFileName().toString().equals("kustomization.yaml"))
                {
                    continue; // kustomize itself refuses unknown fields in these, when rendering
                }
                assertFalse(StrictKube.parse(Files.readString(file), file.toString()).isEmpty(), file + " is empty");
                files++;
            }
        }
        assertTrue(files >= 6, "found only " + files + " manifest files under " + Kustomize.ROOT);
    }

    static Stream<Arguments> mistakes()
    {
        return Stream.of(
            Arguments.of("a misspelled field", "base/daemonset.yaml",
                "readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true", "readOnlyRootFileSystem"),
            Arguments.of("a misspelled field deep in a list", "base/daemonset.yaml",
                "path: /readyz", "pth: /readyz", "pth"),
            Arguments.of("a misspelled field in an overlay's patch", "overlays/host-network/daemonset-patch.yaml",
                "dnsPolicy: ClusterFirstWithHostNet", "dnsPolicyy: ClusterFirstWithHostNet", "dnsPolicyy"),
            Arguments.of("a number written as a string", "base/daemonset.yaml",
                "terminationGracePeriodSeconds: 40", "terminationGracePeriodSeconds: \"40\"", "String value"),
            Arguments.of("a string written as a number (annotation values are strings)", "base/daemonset.yaml",
                "prometheus.io/port: \"9901\"", "prometheus.io/port: 9901", "Integer value"),
            Arguments.of("a bool written as a string", "overlays/host-network/daemonset-patch.yaml",
                "hostNetwork: true", "hostNetwork: \"true\"", "Boolean"),
            Arguments.of("an object where a list belongs", "base/daemonset.yaml",
                "drop: [\"ALL\"]", "drop: {all: true}", "ArrayList"),
            Arguments.of("an apiVersion that does not exist", "base/serviceaccount.yaml",
                "apiVersion: v1", "apiVersion: v2", "unknown apiVersion/kind"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void shouldRefuseACopyWithOneMistake(final String mistake, final String file, final String correct,
        final String wrong, final String expected) throws IOException
    {
        final String overlay = file.startsWith("overlays/host-network") ? "overlays/host-network" :
            "overlays/host-port";
        final Path copy = copyTree(mistake);
        // the untouched copy passes: the failure below is the mistake's, not the copy's
        StrictKube.parse(Kustomize.render(copy.resolve(overlay)), "copy of " + overlay);

        final Path target = copy.resolve(file);
        final String original = Files.readString(target);
        final String broken = original.replace(correct, wrong);
        assertNotEquals(original, broken, file + " does not contain \"" + correct + "\"");
        Files.writeString(target, broken);

        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> StrictKube.parse(Kustomize.render(copy.resolve(overlay)), "copy of " + overlay + " with " + mistake));
        assertTrue(refused.getMessage().contains(expected),
            "the refusal names \"" + expected + "\": " + refused.getMessage());
    }

    private static Path copyTree(final String name) throws IOException
    {
        final Path copy = Paths.get("target", "kustomize", "mistake-" + name.replaceAll("[^a-z]+", "-"))
            .toAbsolutePath();
        if (Files.exists(copy))
        {
            try (Stream<Path> old = Files.walk(copy))
            {
                for (final Path path : old.sorted(Comparator.reverseOrder()).toList())
                {
                    Files.delete(path);
                }
            }
        }
        try (Stream<Path> walk = Files.walk(Kustomize.ROOT))
        {
            for (final Path source : walk.toList())
            {
                final Path destination = copy.resolve(Kustomize.ROOT.relativize(source).toString());
                if (Files.isDirectory(source))
                {
                    Files.createDirectories(destination);
                }
                else
                {
                    Files.copy(source, destination);
                }
            }
        }
        return copy;
    }
}
