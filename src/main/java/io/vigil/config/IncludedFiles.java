package io.vigil.config;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
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
 * The files a parse is reading, innermost first, and the includes that must be refused before the parser opens
 * anything: one that names a FIFO, a device or a socket (reading it blocks a start or a reload forever, or never
 * ends: {@code /dev/zero}), a file larger than any configuration (a sparse file reads as NULs until the heap is
 * gone), and one that names a file already being read (an include cycle, which the parser only stops at 50 levels,
 * with neither the line nor the chain). The files are worked out as the parser opens them: a name next to the
 * including file, probed as name.conf, .json and .properties when it has none of those extensions; a file: URL as
 * exactly the file it names. One instance per parse.
 */
final class IncludedFiles
{
    /** Far above any real configuration; a parse reads a whole file into the heap, several times over. */
    static final long MAX_BYTES = 16L << 20;

    /** A name ending in none of these is read as name.conf, name.json and name.properties (never the bare name). */
    private static final List<String> EXTENSIONS = List.of(".conf", ".json", ".properties");

    /** Where the kernel's pseudo-files live: they stat as regular files of size 0 whatever they hold. */
    private static final List<Path> PSEUDO_FILES = List.of(Paths.get("/proc"), Paths.get("/sys"));

    /** What each level reads: the files as the parser opens them, and their real paths (no file for text). */
    private final Deque<Level> reading = new ArrayDeque<>();

    /**
     * @param topLevel the file being parsed, or null for text.
     */
    IncludedFiles(final String topLevel)
    {
        reading.push(topLevel == null ? Level.NONE : Level.of(List.of(Paths.get(topLevel))));
    }

    /**
     * @param name an include's name as written (not a URL).
     * @return the files the parser may open for it: next to the including file (an absolute name as it is), probed;
     *         none when the including level is not a file (text, a class path resource), whose names the parser
     *         looks up on the class path.
     */
    List<Path> plainName(final String name)
    {
        // several files at one level (name.conf and name.json) are siblings: any of them locates the names they include
        final Path including = reading.peek().opened.isEmpty() ? null : reading.peek().opened.get(0);
        final Path path = pathOrNull(name);
        if (including == null || path == null)
        {
            return List.of();
        }
        final Path directory = including.toAbsolutePath().getParent();
        return probed(path.isAbsolute() || directory == null ? path : directory.resolve(path));
    }

    /**
     * @param name a {@code file(...)} include's name: relative to the working directory, probed.
     * @return the files the parser may open for it.
     */
    static List<Path> fileName(final String name)
    {
        final Path path = pathOrNull(name);
        return path == null ? List.of() : probed(path);
    }

    /**
     * @param url a file: URL.
     * @return the one file the parser opens for it, as the parser works it out (an authority such as localhost is
     *         ignored), not probed.
     */
    static List<Path> fileUrl(final URL url)
    {
        File file;
        try
        {
            file = new File(url.toURI());
        }
        catch (final URISyntaxException | IllegalArgumentException withAuthority)
        {
            file = new File(url.getPath());
        }
        return List.of(file.toPath());
    }

    /**
     * @param files the files the parser may open for one include.
     * @return why it must not be read (a sentence), or null when it may.
     */
    String refusal(final List<Path> files)
    {
        for (final Path file : files)
        {
            if (!Files.exists(file) || Files.isDirectory(file))
            {
                continue; // the parser's own error names a missing file, and MissingIncludes a directory
            }
            if (!Files.isRegularFile(file))
            {
                return "not a regular file: " + file + " (a FIFO, a device or a socket would block or never end)";
            }
            if (PSEUDO_FILES.stream().anyMatch(realOrSelf(file)::startsWith))
            {
                // "regular", size 0, and some block (/proc/kmsg) or never end: as a FIFO would
                return "a kernel pseudo-file: " + file + " (under /proc or /sys; it may block or never end)";
            }
            if (size(file) > MAX_BYTES)
            {
                return "larger than any configuration (over " + (MAX_BYTES >> 20) + " MiB): " + file;
            }
            final Path real = realOrSelf(file);
            // the innermost level's other files (name.json while name.conf is read) are not open yet: including one
            // is no cycle, and a file that includes itself is caught one level down, where it is alone
            final Level innermost = reading.peek();
            if (reading.stream().anyMatch(level -> level.real.contains(real) &&
                (level != innermost || level.real.size() == 1)))
            {
                return "an include cycle: " + cycle(real);
            }
        }
        return null;
    }

    /**
     * @param files the files the parser may open for the include being read (none for a class path resource).
     * @return how to name that include's file in messages: the one file that exists, or null.
     */
    String enter(final List<Path> files)
    {
        final Level level = Level.of(files.stream().filter(Files::isRegularFile).collect(Collectors.toList()));
        reading.push(level);
        return level.opened.size() == 1 ? level.opened.get(0).toString() : null;
    }

    void leave()
    {
        reading.pop();
    }

    private String cycle(final Path again)
    {
        final List<Level> outermostFirst = new ArrayList<>(reading);
        Collections.reverse(outermostFirst);
        final StringBuilder text = new StringBuilder();
        boolean inCycle = false;
        for (final Level level : outermostFirst)
        {
            inCycle |= level.real.contains(again);
            if (inCycle && !level.real.isEmpty())
            {
                text.append(level.real.size() == 1 ? level.real.get(0) : level.real).append(" -> ");
            }
        }
        return text.append(again).toString();
    }

    private static List<Path> probed(final Path path)
    {
        final String name = path.toString();
        if (EXTENSIONS.stream().anyMatch(name::endsWith))
        {
            return List.of(path);
        }
        return EXTENSIONS.stream().map(extension -> Paths.get(name + extension)).collect(Collectors.toList());
    }

    private static Path pathOrNull(final String name)
    {
        try
        {
            return Paths.get(name);
        }
        catch (final RuntimeException notAPath)
        {
            return null;
        }
    }

    private static long size(final Path file)
    {
        try
        {
            return Files.size(file);
        }
        catch (final IOException gone)
        {
            return 0; // the parser's own error names it
        }
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

    /** The files one level of includes reads, as opened (for names relative to them) and as real paths (cycles). */
    private static final class Level
    {
        static final Level NONE = new Level(List.of(), List.of());

        final List<Path> opened;
        final List<Path> real;

        private Level(final List<Path> opened, final List<Path> real)
        {
            this.opened = opened;
            this.real = real;
        }

        static Level of(final List<Path> opened)
        {
            return new Level(opened, opened.stream().map(IncludedFiles::realOrSelf).collect(Collectors.toList()));
        }
    }
}
