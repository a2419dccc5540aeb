package io.vigil.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.SecurityContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built image (target/vigil-image.tar) against the manifests that run it: the user, the entrypoint and its
 * arguments, the image name, and a root filesystem a read-only, non-root container can live with.
 */
class ImageConfigIT
{
    /** Goal of issue 13 for what a node pulls. */
    private static final long MAX_COMPRESSED_BYTES = 50L * 1000 * 1000;

    private static OciImage image;
    private static List<Rendered> renderings;

    @BeforeAll
    static void load() throws IOException
    {
        image = OciImage.load();
        renderings = new ArrayList<>();
        for (final String overlay : Kustomize.OVERLAYS)
        {
            renderings.add(Rendered.overlay(overlay));
        }
        System.out.printf("image %s: %.1f MB compressed, %.1f MB unpacked%n", image.refName(),
            image.compressedSize() / 1e6, image.unpackedSize() / 1e6);
    }

    @Test
    void shouldRunAsTheUserTheManifestsRunAs()
    {
        final String user = image.runConfig().path("User").asText();
        assertTrue(user.matches("\\d+:\\d+"), "the image's user is numeric uid:gid (runAsNonRoot needs it): " + user);
        final long uid = Long.parseLong(user.split(":")[0]);
        final long gid = Long.parseLong(user.split(":")[1]);
        assertTrue(uid > 0, "not root");
        for (final Rendered rendered : renderings)
        {
            final SecurityContext container = rendered.vigil().getSecurityContext();
            final var pod = rendered.pod().getSecurityContext();
            final Long runAsUser = container.getRunAsUser() != null ? container.getRunAsUser() : pod.getRunAsUser();
            final Long runAsGroup = container.getRunAsGroup() != null ? container.getRunAsGroup() : pod.getRunAsGroup();
            assertEquals(uid, runAsUser, rendered + ": runAsUser is the image's user");
            assertEquals(gid, runAsGroup, rendered + ": runAsGroup is the image's group");
            assertEquals(pod.getRunAsUser(), container.getRunAsUser(), rendered + ": pod and container agree");
        }
        assertTrue(image.text("etc/passwd").contains(":x:" + uid + ":" + gid + ":"),
            "/etc/passwd names the user:\n" + image.text("etc/passwd"));
    }

    @Test
    void shouldStartVigilTheWayTheManifestsAssume() throws IOException
    {
        final List<String> entrypoint = image.entrypoint();
        final List<String> expected = new ArrayList<>(List.of("/opt/vigil/jre/bin/java"));
        for (final String line : Files.readAllLines(Paths.get("deploy", "image", "jvm.options")))
        {
            if (!line.isBlank() && !line.trim().startsWith("#"))
            {
                expected.add(line.trim());
            }
        }
        expected.addAll(List.of("-jar", "/opt/vigil/vigil.jar"));
        assertEquals(expected, entrypoint, "entrypoint: java, deploy/image/jvm.options, -jar");
        final OciImage.Entry java = image.files().get("opt/vigil/jre/bin/java");
        assertNotNull(java, "the entrypoint's java is in the image");
        assertEquals(0755, java.mode() & 0777, "java is executable");
        assertTrue(image.files().containsKey("opt/vigil/vigil.jar"), "the jar is in the image");
        assertEquals(List.of("run", "-c", "/etc/vigil/vigil.conf"), image.cmd(), "default arguments");

        for (final Rendered rendered : renderings)
        {
            final Container vigil = rendered.vigil();
            // command would replace the entrypoint and drop the JVM flags; args replace only Cmd
            assertTrue(vigil.getCommand() == null || vigil.getCommand().isEmpty(),
                rendered + ": command replaces the image's entrypoint (java and its container flags)");
            assertEquals("run", vigil.getArgs().get(0), rendered + ": args start with Vigil's run command");
            assertEquals(image.cmd(), vigil.getArgs(), rendered + ": the manifest runs what the image runs by default");
            final Path imageConfig = Paths.get(image.cmd().get(image.cmd().indexOf("-c") + 1));
            assertEquals(Paths.get(rendered.configMount().getMountPath()), imageConfig.getParent(),
                rendered + ": the ConfigMap mount hides the image's example config");
        }
    }

    @Test
    void shouldNameTheImageTheManifestsDeploy() throws Exception
    {
        final String version = jarVersion();
        assertEquals("localhost/vigil:" + version, image.refName(), "the archive's image name");
        for (final Rendered rendered : renderings)
        {
            assertEquals(image.refName(), rendered.vigil().getImage(), rendered + ": image");
        }
        final Map<String, String> labels = image.labels();
        assertEquals(version, labels.get("org.opencontainers.image.version"), "version label");
        assertEquals("vigil", labels.get("org.opencontainers.image.title"), "title label");
        assertTrue(labels.getOrDefault("org.opencontainers.image.revision", "").matches("[0-9a-f]{40}(-dirty)?"),
            "revision label: " + labels);
        assertTrue(labels.getOrDefault("org.opencontainers.image.created", "").matches("\\d{4}-\\d\\d-\\d\\dT.*Z"),
            "created label: " + labels);
    }

    private static String jarVersion() throws Exception
    {
        try (var jar = new java.util.jar.JarFile(Paths.get("target", "vigil.jar").toFile()))
        {
            return jar.getManifest().getMainAttributes().getValue("Implementation-Version");
        }
    }

    @Test
    void shouldNeedNothingWritableAndGiveNothingAway()
    {
        final List<String> problems = new ArrayList<>();
        for (final OciImage.Entry entry : image.files().values())
        {
            final String path = entry.path();
            if (entry.uid() != 0 || entry.gid() != 0)
            {
                problems.add(path + " is owned by " + entry.uid() + ":" + entry.gid());
            }
            if ((entry.mode() & 06000) != 0)
            {
                problems.add(path + " is setuid/setgid");
            }
            if ((entry.mode() & 0002) != 0 && entry.type() != '2' && !path.matches("\\.?/?tmp/?"))
            {
                problems.add(path + " is world-writable");
            }
        }
        assertEquals(List.of(), problems);
        final OciImage.Entry tmp = image.files().get("tmp");
        assertNotNull(tmp, "/tmp exists (for an emptyDir, should an operator mount one)");
        assertEquals(01777, tmp.mode() & 07777, "/tmp mode");
        assertTrue(image.env().contains("LC_ALL=C.UTF-8"), "C locale: close reasons are read from strerror texts");
        assertFalse(image.files().containsKey("bin/sh"), "no shell in the image");
    }

    @Test
    void shouldCarryThePinnedDebianPackagesAndSayWhichForScanners() throws IOException
    {
        for (final String line : Files.readAllLines(Paths.get("deploy", "image", "packages.txt")))
        {
            if (line.isBlank() || line.startsWith("#"))
            {
                continue;
            }
            final String[] fields = line.trim().split("\\s+");
            final String status = image.text("var/lib/dpkg/status.d/" + fields[0]);
            assertTrue(status.contains("Package: " + fields[0]) && status.contains("Version: " + fields[1]),
                fields[0] + " " + fields[1] + " in /var/lib/dpkg/status.d:\n" + status);
        }
        assertTrue(image.files().containsKey("lib/x86_64-linux-gnu/libc.so.6"), "glibc");
        assertEquals("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", image.files().get("lib64/ld-linux-x86-64.so.2")
            .link(), "the dynamic loader where the JVM's ELF header looks for it");
    }

    @Test
    void shouldStayUnderFiftyMegabytesToPull()
    {
        assertTrue(image.compressedSize() < MAX_COMPRESSED_BYTES, "compressed layers " + image.compressedSize() +
            " bytes (unpacked " + image.unpackedSize() + ")");
    }
}
