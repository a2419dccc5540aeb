package io.vigil.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image's Java runtime has the modules deploy/image/modules.txt takes, and that list has decided about every
 * module jdeps finds the jar using: a new dependency on a module fails here, not in a pod at run time.
 */
class ImageModulesIT
{
    @Test
    void shouldDecideAboutEveryModuleTheJarUses() throws Exception
    {
        final Set<String> taken = new TreeSet<>();
        final Set<String> refused = new TreeSet<>();
        readModules(taken, refused);
        final Set<String> used = jdeps();
        final Set<String> undecided = new TreeSet<>(used);
        undecided.removeAll(taken);
        undecided.removeAll(refused);
        assertEquals(Set.of(), undecided, "jdeps finds target/vigil.jar using these modules, which " +
            "deploy/image/modules.txt neither takes nor refuses (with a reason)");
        final Set<String> overlap = new HashSet<>(taken);
        overlap.retainAll(refused);
        assertEquals(Set.of(), overlap, "taken and refused at once");
        assertTrue(used.containsAll(Set.of("java.base", "jdk.net")), "jdeps found " + used);
    }

    @Test
    void shouldLinkExactlyTheModulesTaken() throws Exception
    {
        final Set<String> taken = new TreeSet<>();
        readModules(taken, new TreeSet<>());
        final String release = OciImage.load().text("opt/vigil/jre/release");
        final Matcher modules = Pattern.compile("(?m)^MODULES=\"([^\"]*)\"").matcher(release);
        assertTrue(modules.find(), "the runtime's release file lists its modules:\n" + release);
        assertEquals(taken, new TreeSet<>(Arrays.asList(modules.group(1).trim().split("\\s+"))),
            "modules in the image's runtime");
    }

    private static void readModules(final Set<String> taken, final Set<String> refused) throws IOException
    {
        for (final String line : Files.readAllLines(Paths.get("deploy", "image", "modules.txt")))
        {
            if (line.isBlank() || line.startsWith("#"))
            {
                continue;
            }
            final String[] fields = line.trim().split("\\s+", 2);
            if (fields[0].startsWith("-"))
            {
                assertTrue(fields.length == 2, "a refused module says why: " + line);
                refused.add(fields[0].substring(1));
            }
            else
            {
                taken.add(fields[0]);
            }
        }
    }

    private static Set<String> jdeps() throws Exception
    {
        final String jdeps = Paths.get(System.getProperty("java.home"), "bin", "jdeps").toString();
        final Process process = new ProcessBuilder(jdeps, "--multi-release", "17", "--ignore-missing-deps",
            "--print-module-deps", Paths.get("target", "vigil.jar").toString()).redirectErrorStream(true).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS) && process.exitValue() == 0, "jdeps: " + out);
        final String last = out.substring(out.lastIndexOf('\n') + 1);
        return new TreeSet<>(Arrays.asList(last.split(",")));
    }
}
