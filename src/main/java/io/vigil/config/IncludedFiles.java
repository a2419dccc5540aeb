package io.vigil.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The files a parse is reading, innermost first, and the two includes that must be refused before the parser opens
 * anything: one that names a FIFO, a device or a socket (reading it blocks a start or a reload forever, or never
 * ends: {@code /dev/zero}, {@code /dev/stdin}), and one that names a file already being read (an include cycle,
 * which the parser only stops at 50 levels, with neither the line nor the chain). One instance per parse.
 */
final class IncludedFiles
{
    /** A name ending in none of these is read as name.conf, name.json and name.properties (never the bare name). */
    private static final List<String> EXTENSIONS = List.of(".conf", ".json", ".properties");

    /** Real paths of the files each level is reading (none for text or a class path resource). */
    private final Deque<List<Path>> reading = new ArrayDeque<>();

    /**
     * @param topLevel the file being parsed, or null for text.
     */
    IncludedFiles(final String topLevel)
    {
        reading.push(topLevel == null ? List.of() : List.of(realOrSelf(Paths.get(topLevel))));
    }

    /**
     * @param name an included file's name as the parser will open it.
     * @return why it must not be read (a sentence), or null when it may.
     */
    String refusal(final String name)
    {
        for (final Path candidate : candidates(name))
        {
            if (!Files.exists(candidate) || Files.isDirectory(candidate))
            {
                continue; // the parser's own error names a missing file, and MissingIncludes a directory
            }
            if (!Files.isRegularFile(candidate))
            {
                return "not a regular file: " + candidate + " (a FIFO, a device or a socket would block or never end)";
            }
            final Path real = realOrSelf(candidate);
            if (reading.stream().anyMatch(level -> level.contains(real)))
            {
                return "an include cycle: " + cycle(real);
            }
        }
        return null;
    }

    /**
     * @param name the included file's name, or null when it is not a file (a class path resource).
     */
    void enter(final String name)
    {
        reading.push(name == null ? List.of() : candidates(name).stream().filter(Files::isRegularFile)
            .map(IncludedFiles::realOrSelf).collect(Collectors.toList()));
    }

    void leave()
    {
        reading.pop();
    }

    /**
     * @param name an included file's name as the parser will open it.
     * @return the one file it stands for, when exactly one exists, else the name itself.
     */
    static String soleFile(final String name)
    {
        final List<Path> existing = candidates(name).stream().filter(Files::isRegularFile).collect(Collectors.toList());
        return existing.size() == 1 ? existing.get(0).toString() : name;
    }

    private String cycle(final Path again)
    {
        final List<List<Path>> outermostFirst = new ArrayList<>(reading);
        Collections.reverse(outermostFirst);
        final StringBuilder text = new StringBuilder();
        boolean inCycle = false;
        for (final List<Path> level : outermostFirst)
        {
            inCycle |= level.contains(again);
            if (inCycle && !level.isEmpty())
            {
                text.append(level.size() == 1 ? level.get(0) : level).append(" -> ");
            }
        }
        return text.append(again).toString();
    }

    private static List<Path> candidates(final String name)
    {
        final Path path;
        try
        {
            path = Paths.get(name);
        }
        catch (final RuntimeException notAPath)
        {
            return List.of();
        }
        if (EXTENSIONS.stream().anyMatch(name::endsWith))
        {
            return List.of(path);
        }
        return EXTENSIONS.stream().map(extension -> Paths.get(name + extension)).collect(Collectors.toList());
    }

    private static Path realOrSelf(final Path path)
    {
        try
        {
            return path.toRealPath();
        }
        catch (final IOException | RuntimeException gone)
        {
            return path.toAbsolutePath().normalize();
        }
    }
}
