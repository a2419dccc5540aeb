package io.vigil.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The OCI image archive bin/vigil-image writes (target/vigil-image.tar), read as a runtime reads it: index.json,
 * the manifest, the config blob, and every file of every layer.
 */
final class OciImage
{
    /** Where {@code mvn verify} builds it (pre-integration-test). */
    static final Path ARCHIVE = Paths.get("target", "vigil-image.tar").toAbsolutePath();

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A file in a layer. */
    record Entry(String path, int mode, long uid, long gid, long size, char type, String link, byte[] content)
    {
        boolean isFile()
        {
            return type == '0' || type == '\0';
        }
    }

    private final String refName;
    private final JsonNode config;
    private final List<Long> layerSizes;
    private final Map<String, Entry> files;

    private OciImage(final String refName, final JsonNode config, final List<Long> layerSizes,
        final Map<String, Entry> files)
    {
        this.refName = refName;
        this.config = config;
        this.layerSizes = layerSizes;
        this.files = files;
    }

    static OciImage load() throws IOException
    {
        if (!Files.isRegularFile(ARCHIVE))
        {
            throw new AssertionError(ARCHIVE + " is missing: mvn verify builds it (pre-integration-test), or run " +
                "bin/vigil-image");
        }
        final Map<String, byte[]> outer = new HashMap<>();
        try (InputStream in = Files.newInputStream(ARCHIVE))
        {
            for (final Entry entry : Tar.read(in, true))
            {
                outer.put(entry.path().replaceFirst("^\\./", ""), entry.content());
            }
        }
        final JsonNode index = JSON.readTree(blob(outer, "index.json"));
        final JsonNode descriptor = index.path("manifests").path(0);
        final JsonNode manifest = JSON.readTree(blob(outer, digestPath(descriptor)));
        final JsonNode config = JSON.readTree(blob(outer, digestPath(manifest.path("config"))));
        final List<Long> sizes = new ArrayList<>();
        final Map<String, Entry> files = new LinkedHashMap<>();
        for (final JsonNode layer : manifest.path("layers"))
        {
            final byte[] gzipped = blob(outer, digestPath(layer));
            sizes.add((long)gzipped.length);
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped)))
            {
                for (final Entry entry : Tar.read(in, true))
                {
                    files.put(normalise(entry.path()), entry); // a later layer's file hides an earlier one's
                }
            }
        }
        return new OciImage(descriptor.path("annotations").path("org.opencontainers.image.ref.name").asText(null),
            config, sizes, files);
    }

    private static String normalise(final String path)
    {
        String p = path.startsWith("./") ? path.substring(2) : path;
        p = p.startsWith("/") ? p.substring(1) : p;
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static String digestPath(final JsonNode descriptor)
    {
        return "blobs/" + descriptor.path("digest").asText().replace(':', '/');
    }

    private static byte[] blob(final Map<String, byte[]> outer, final String path)
    {
        final byte[] blob = outer.get(path);
        if (blob == null)
        {
            throw new AssertionError(ARCHIVE + " has no " + path);
        }
        return blob;
    }

    /** @return the name the archive gives the image (what podman load / ctr import call it). */
    String refName()
    {
        return refName;
    }

    /** @return the image config's "config" object: User, Entrypoint, Cmd, Env, Labels, WorkingDir. */
    JsonNode runConfig()
    {
        return config.path("config");
    }

    List<String> entrypoint()
    {
        return strings(runConfig().path("Entrypoint"));
    }

    List<String> cmd()
    {
        return strings(runConfig().path("Cmd"));
    }

    Map<String, String> labels()
    {
        final Map<String, String> labels = new LinkedHashMap<>();
        runConfig().path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    List<String> env()
    {
        return strings(runConfig().path("Env"));
    }

    /** @return compressed bytes a node pulls. */
    long compressedSize()
    {
        return layerSizes.stream().mapToLong(Long::longValue).sum();
    }

    /** @return bytes of the unpacked root filesystem (files only). */
    long unpackedSize()
    {
        return files.values().stream().filter(Entry::isFile).mapToLong(Entry::size).sum();
    }

    Map<String, Entry> files()
    {
        return files;
    }

    /** @return a file's text, "" when absent. */
    String text(final String path)
    {
        final Entry entry = files.get(path);
        return entry == null || entry.content() == null ? "" : new String(entry.content(), StandardCharsets.UTF_8);
    }

    private static List<String> strings(final JsonNode array)
    {
        final List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** A small ustar/PAX reader: enough for Go's archive/tar (umoci) and GNU tar output. */
    private static final class Tar
    {
        private static final int BLOCK = 512;

        static List<Entry> read(final InputStream in, final boolean keepContent) throws IOException
        {
            final List<Entry> entries = new ArrayList<>();
            String paxPath = null;
            String paxLink = null;
            final byte[] header = new byte[BLOCK];
            while (true)
            {
                if (in.readNBytes(header, 0, BLOCK) != BLOCK)
                {
                    // GNU tar, Python and image scanners refuse an archive without its end (umoci 0.4.7 insert)
                    throw new IOException("not a complete tar archive: no end-of-archive blocks after " +
                        entries.size() + " entries");
                }
                if (isZero(header))
                {
                    break;
                }
                final char type = (char)header[156];
                final long size = octal(header, 124, 12);
                final byte[] content = in.readNBytes((int)size);
                final byte[] padding = in.readNBytes((int)((BLOCK - size % BLOCK) % BLOCK));
                if (content.length != size || padding.length != (BLOCK - size % BLOCK) % BLOCK)
                {
                    throw new IOException("truncated tar archive in " + text(header, 0, 100));
                }
                if (type == 'x')
                {
                    final Map<String, String> pax = pax(content);
                    paxPath = pax.get("path");
                    paxLink = pax.get("linkpath");
                    continue;
                }
                if (type == 'g')
                {
                    continue;
                }
                String name = text(header, 0, 100);
                final String prefix = text(header, 345, 155);
                if (!prefix.isEmpty())
                {
                    name = prefix + "/" + name;
                }
                entries.add(new Entry(paxPath != null ? paxPath : name, (int)octal(header, 100, 8),
                    octal(header, 108, 8), octal(header, 116, 8), size, type,
                    paxLink != null ? paxLink : text(header, 157, 100), keepContent ? content : null));
                paxPath = null;
                paxLink = null;
            }
            return entries;
        }

        private static Map<String, String> pax(final byte[] content)
        {
            final Map<String, String> records = new HashMap<>();
            int i = 0;
            while (i < content.length)
            {
                int space = i;
                while (content[space] != ' ')
                {
                    space++;
                }
                final int length = Integer.parseInt(new String(content, i, space - i, StandardCharsets.US_ASCII));
                final String record = new String(content, space + 1, length - (space - i) - 2, StandardCharsets.UTF_8);
                final int equals = record.indexOf('=');
                records.put(record.substring(0, equals), record.substring(equals + 1));
                i += length;
            }
            return records;
        }

        private static boolean isZero(final byte[] block)
        {
            for (final byte b : block)
            {
                if (b != 0)
                {
                    return false;
                }
            }
            return true;
        }

        private static String text(final byte[] header, final int offset, final int length)
        {
            int end = offset;
            while (end < offset + length && header[end] != 0)
            {
                end++;
            }
            return new String(header, offset, end - offset, StandardCharsets.UTF_8);
        }

        private static long octal(final byte[] header, final int offset, final int length)
        {
            final String value = text(header, offset, length).trim();
            return value.isEmpty() ? 0 : Long.parseLong(value, 8);
        }
    }
}
