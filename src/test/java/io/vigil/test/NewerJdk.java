package io.vigil.test;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The newer JDK under /usr/lib/jvm, on which a test runs the Java 22+ side of the multi-release build (FFM: accept4,
 * TCP_USER_TIMEOUT) in a JVM of its own.
 */
public final class NewerJdk
{
    /** Where it is installed. */
    public static final String HOME = "/usr/lib/jvm/temurin-25-jdk-amd64";

    private NewerJdk()
    {
    }

    /** Skips the calling test unless the newer JDK is installed. */
    public static void assumeInstalled()
    {
        Assumptions.assumeTrue(new File(HOME, "bin/java").canExecute(), "no JDK at " + HOME);
    }

    /**
     * @param mainClass   the class to run.
     * @param java22Class a class file the build must have compiled for Java 22, e.g.
     *                    "io/vigil/net/KernelAccept.class": the run would prove nothing without it.
     * @return the newer JDK's java with this JVM's class path, the Java 22 classes of the multi-release build
     *         first (a class directory is not multi-release; the jar is), and native access enabled.
     */
    public static List<String> javaCommand(final String mainClass, final String java22Class)
    {
        final List<String> command = new ArrayList<>(VigilProcess.javaCommand(mainClass));
        final String classes = System.getProperty("vigil.test.classpath").split(File.pathSeparator)[1];
        final File versioned = new File(classes, "META-INF/versions/22");
        assertTrue(new File(versioned, java22Class).isFile(),
            "the build compiled the Java 22 classes into " + versioned);
        command.set(0, HOME + "/bin/java");
        command.add(1, "--enable-native-access=ALL-UNNAMED");
        final int cp = command.indexOf("-cp") + 1;
        command.set(cp, versioned.getPath() + File.pathSeparator + command.get(cp));
        return command;
    }
}
