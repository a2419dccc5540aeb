package io.vigil.deploy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * podman command lines for the image tests, each checkout with its own image store. Every image test loads the
 * archive as {@code localhost/vigil:<version>}: in the machine-wide store, two checkouts testing at once (CI jobs,
 * worktrees) would replace or remove each other's image under the same name mid-test. The store lives outside
 * target/ because podman keeps a bind mount on it, which {@code mvn clean} could not delete.
 */
final class Podman
{
    private static final String STORE = storeDir();

    private Podman()
    {
    }

    /**
     * @param args podman's arguments, e.g. {@code "load", "--input", FILE}.
     * @return the command line: podman with this checkout's store and runc (what containerd runs under Kubernetes;
     *         crun refuses this machine's hybrid cgroup layout).
     */
    static List<String> command(final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("podman", "--root", "/var/tmp/" + STORE,
            "--runroot", "/run/" + STORE, "--tmpdir", "/run/" + STORE + "/libpod", "--runtime", "runc"));
        command.addAll(List.of(args));
        return command;
    }

    /** @return a directory name for this checkout (its target/), the same for every test JVM of one build. */
    private static String storeDir()
    {
        final String checkout = Paths.get("target").toAbsolutePath().normalize().toString();
        try
        {
            final byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest(checkout.getBytes(StandardCharsets.UTF_8));
            return "vigil-podman-" + HexFormat.of().formatHex(digest, 0, 6);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
