package io.vigil.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigParseable;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Makes every {@code include} required. Typesafe Config skips an include it cannot find (only
 * {@code include required(...)} fails), so a missing {@code listeners.conf} started Vigil without those listeners;
 * nginx refuses to start instead, and so does Vigil now. The parser's own error names neither the including file
 * nor the line, so this includer tracks which file is being read and finds the include's line in it. With the same
 * file and line it refuses the includes that must not be opened at all: a URL other than file:, and (through
 * {@link IncludedFiles}) a FIFO or device, or a file already being read. One instance per parse: the stack of files
 * is the parse's state.
 */
final class MissingIncludes implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath
{
    /**
     * Vigil's configuration comes from local files only, as nginx's: a fetch at start or reload would block on a
     * remote server and make what runs depend on it (and on whoever can answer for it).
     */
    private static final String REMOTE = "configuration is read from local files only (use a file path)";

    private final ConfigIncluder fallback;
    private final Deque<String> reading;
    private final IncludedFiles files;
    /**
     * The first refusal raised: the parser reads a name without an extension as name.conf, .json and .properties and
     * takes an IO error from any of them for "not this one", so a refusal from inside such a file can come back as a
     * plain "not found" for the include above it, which must then not replace the refusal that explains it.
     */
    private final AtomicReference<Named> firstRefusal;
    /** The text parsed when it is not a file, else null. */
    private final String text;

    /**
     * @param topLevel the file being parsed, or how text being parsed is named.
     * @param text     the text being parsed, or null for a file.
     */
    MissingIncludes(final String topLevel, final String text)
    {
        this(null, new ArrayDeque<>(List.of(topLevel)), new IncludedFiles(text == null ? topLevel : null),
            new AtomicReference<>(), text);
    }

    private MissingIncludes(final ConfigIncluder fallback, final Deque<String> reading, final IncludedFiles files,
        final AtomicReference<Named> firstRefusal, final String text)
    {
        this.fallback = fallback;
        this.reading = reading;
        this.files = files;
        this.firstRefusal = firstRefusal;
        this.text = text;
    }

    @Override
    public ConfigIncluder withFallback(final ConfigIncluder fallback)
    {
        return this.fallback == null ? new MissingIncludes(fallback, reading, files, firstRefusal, text) : this;
    }

    @Override
    public ConfigObject include(final ConfigIncludeContext context, final String what)
    {
        final String statement = "include \"" + what + "\"";
        final URL url = urlOrNull(what);
        if (url != null && !"file".equals(url.getProtocol()))
        {
            // the default includer reads a plain include that parses as a URL from that URL: the same refusal
            throw refused(statement, what, REMOTE);
        }
        final ConfigParseable found = context.relativeTo(what);
        final String named = found != null && found.origin().filename() != null ? found.origin().filename() : what;
        return included(statement, what, named, url != null ? IncludedFiles.fileUrl(url) : files.plainName(what),
            () -> fallback.include(required(context), what));
    }

    @Override
    public ConfigObject includeFile(final ConfigIncludeContext context, final File what)
    {
        return included("include file(\"" + what + "\")", what.getPath(), what.getPath(),
            IncludedFiles.fileName(what.getPath()),
            () -> ((ConfigIncluderFile)fallback).includeFile(required(context), what));
    }

    @Override
    public ConfigObject includeURL(final ConfigIncludeContext context, final URL what)
    {
        final String statement = "include url(\"" + what + "\")";
        if (!"file".equals(what.getProtocol()))
        {
            throw refused(statement, what.toString(), REMOTE);
        }
        return included(statement, what.toString(), what.toString(), IncludedFiles.fileUrl(what),
            () -> ((ConfigIncluderURL)fallback).includeURL(required(context), what));
    }

    @Override
    public ConfigObject includeResources(final ConfigIncludeContext context, final String what)
    {
        return included("include classpath(\"" + what + "\")", what, "classpath:" + what, List.of(),
            () -> ((ConfigIncluderClasspath)fallback).includeResources(required(context), what));
    }

    private Named refused(final String statement, final String written, final String why)
    {
        final String including = reading.peek();
        final boolean inText = text != null && reading.size() == 1;
        final String line = lineOfSpelling(inText ? text : readOrNull(including), written);
        return raised(new Named(including, including + line + ": " + statement + ": refused: " + why, null));
    }

    /**
     * {@link #lineOf} for a name the parser may have respelled: java.net.URL lowers a scheme's case (HTTP://host is
     * written, http://host is what the includer is given) and makes file:///path file:/path.
     */
    private static String lineOfSpelling(final String source, final String written)
    {
        final String exact = lineOf(source, written);
        if (!exact.isEmpty() || source == null)
        {
            return exact;
        }
        final String fileUrl = lineOf(source, written.replaceFirst("^file:/(?!/)", "file:///"));
        return !fileUrl.isEmpty() ? fileUrl : lineOf(source.toLowerCase(Locale.ROOT), written.toLowerCase(Locale.ROOT));
    }

    /**
     * Throws the first refusal raised in the parse, if any: the parser swallows an IO error from one of a name's
     * .conf/.json/.properties when another exists, so a refusal from inside it would otherwise load the rest silently.
     *
     * @throws Named the refusal.
     */
    void throwIfRefused()
    {
        final Named refusal = firstRefusal.get();
        if (refusal != null)
        {
            throw refusal;
        }
    }

    private Named raised(final Named refusal)
    {
        firstRefusal.compareAndSet(null, refusal);
        return refusal;
    }

    /** As the default includer tells a URL from a file name: whatever java.net.URL accepts. */
    @SuppressWarnings("deprecation")
    private static URL urlOrNull(final String what)
    {
        try
        {
            return new URL(what);
        }
        catch (final MalformedURLException notAUrl)
        {
            return null;
        }
    }

    private static ConfigIncludeContext required(final ConfigIncludeContext context)
    {
        return context.setParseOptions(context.parseOptions().setAllowMissing(false));
    }

    /**
     * @param named  how to name the included file in messages when it is not one file on disk.
     * @param opened the files the parser may open for it (none for a class path resource).
     */
    private ConfigObject included(final String statement, final String written, final String named,
        final List<Path> opened, final Include include)
    {
        final String unreadable = files.refusal(opened);
        if (unreadable != null)
        {
            throw refused(statement, written, unreadable);
        }
        final boolean inText = text != null && reading.size() == 1;
        final String including = reading.peek();
        final String file = files.enter(opened);
        reading.push(file != null ? file : named);
        try
        {
            return include.run();
        }
        catch (final ConfigException.IO missing)
        {
            // a missing file deeper down has already been named by the include that reached it
            if (missing instanceof Named)
            {
                throw missing;
            }
            if (firstRefusal.get() != null)
            {
                throw firstRefusal.get();
            }
            final String line = lineOf(inText ? text : readOrNull(including), written);
            final String why = why(!inText, including, statement, written, missing);
            throw raised(new Named(including, including + line + ": " + statement +
                ": cannot read the included file (" + why + ")", missing));
        }
        finally
        {
            files.leave();
            reading.pop();
        }
    }

    /**
     * A plain include names a file next to the including one and then a class path resource: "not found on class
     * path" alone would hide where the file was expected.
     */
    private static String why(final boolean inFile, final String including, final String statement,
        final String written, final ConfigException.IO missing)
    {
        final File sibling = new File(written).isAbsolute() ? new File(written) :
            new File(new File(including).getAbsoluteFile().getParentFile(), written);
        if (inFile && statement.startsWith("include \"") && new File(including).isFile() && !sibling.exists())
        {
            return "no such file: " + sibling.getPath();
        }
        if (inFile && statement.startsWith("include \"") && sibling.isDirectory())
        {
            return "a directory, not a file: " + sibling.getPath();
        }
        return missing.getMessage();
    }

    /**
     * ":line" of the first line of the including text that includes the name, not in a comment (a commented-out
     * include of the same file, left above the live one, is common), or "" when not found.
     */
    private static String lineOf(final String including, final String written)
    {
        if (including == null)
        {
            return "";
        }
        final String[] lines = including.split("\n", -1);
        for (int i = 0; i < lines.length; i++)
        {
            final int name = lines[i].indexOf("\"" + written + "\"");
            final String before = name < 0 ? "" : lines[i].substring(0, name);
            if (name >= 0 && before.contains("include") && !before.contains("#") && !before.contains("//"))
            {
                return ":" + (i + 1);
            }
        }
        return "";
    }

    private static String readOrNull(final String file)
    {
        try
        {
            return Files.readString(new File(file).toPath(), StandardCharsets.UTF_8);
        }
        catch (final IOException | RuntimeException notAFile)
        {
            return null; // a URL or a class path resource: the name alone says which
        }
    }

    /** One include, as the fallback includer runs it. */
    @FunctionalInterface
    private interface Include
    {
        ConfigObject run();
    }

    /** A missing include already named with its including file and line: not renamed by the includes above it. */
    static final class Named extends ConfigException.IO
    {
        private static final long serialVersionUID = 1L;

        private final String refusal;

        Named(final String including, final String refusal, final Throwable cause)
        {
            super(ConfigOriginFactory.newSimple(including), refusal, cause);
            this.refusal = refusal;
        }

        /**
         * @return the including file, its line, the include and why the file cannot be read.
         */
        String refusal()
        {
            return refusal;
        }
    }
}
