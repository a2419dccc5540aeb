package io.vigil.test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * Temporary files for tests, deleted when the JVM exits.
 */
public final class TempFiles
{
    private TempFiles()
    {
    }

    /**
     * @param prefix  name prefix.
     * @param suffix  name suffix.
     * @param content text to write.
     * @return the file.
     * @throws IOException when it cannot be written.
     */
    public static File write(final String prefix, final String suffix, final String content) throws IOException
    {
        final File file = File.createTempFile(prefix, suffix);
        file.deleteOnExit();
        Files.writeString(file.toPath(), content, StandardCharsets.UTF_8);
        return file;
    }
}
