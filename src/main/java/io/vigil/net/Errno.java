package io.vigil.net;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The errno behind a failed socket call. NIO gives no errno, only exception text, and that text comes from the C
 * library's strerror, which speaks the process's locale: under {@code LANG=de_DE.UTF-8} "Connection timed out"
 * reads "Die Wartezeit für die Verbindung ist abgelaufen", and a keepalive verdict would be logged as a plain
 * error. So the exception class decides where it can, then the English text, then the same messages as the C
 * library translates them for this process, read once from glibc's own catalog ({@code libc.mo}) with gettext's
 * rules for choosing it. {@code bin/vigil} also runs the JVM with {@code LC_ALL=C}, so this is the second line.
 *
 * <p>Thread safety: immutable after class initialisation.
 */
public final class Errno
{
    /** EPIPE. */
    public static final int EPIPE = 32;
    /** ENOMEM. */
    public static final int ENOMEM = 12;
    /** ENFILE. */
    public static final int ENFILE = 23;
    /** EMFILE. */
    public static final int EMFILE = 24;
    /** EADDRNOTAVAIL. */
    public static final int EADDRNOTAVAIL = 99;
    /** ENETUNREACH. */
    public static final int ENETUNREACH = 101;
    /** ECONNRESET. */
    public static final int ECONNRESET = 104;
    /** ENOBUFS. */
    public static final int ENOBUFS = 105;
    /** ETIMEDOUT. */
    public static final int ETIMEDOUT = 110;
    /** ECONNREFUSED. */
    public static final int ECONNREFUSED = 111;
    /** EHOSTUNREACH. */
    public static final int EHOSTUNREACH = 113;

    private static final int MO_MAGIC = 0x950412de;
    /** strerror's English text for the errnos Vigil tells apart; longer texts first ("... in system"). */
    private static final Object[][] ENGLISH = {
        {"Too many open files in system", ENFILE},
        {"Too many open files", EMFILE},
        {"Connection timed out", ETIMEDOUT},
        {"Connection reset by peer", ECONNRESET},
        {"Connection reset", ECONNRESET}, // the JDK's own text for a reset seen by read
        {"Broken pipe", EPIPE},
        {"Connection refused", ECONNREFUSED},
        {"No route to host", EHOSTUNREACH},
        {"Network is unreachable", ENETUNREACH},
        {"Cannot assign requested address", EADDRNOTAVAIL},
        {"No buffer space available", ENOBUFS},
        {"Cannot allocate memory", ENOMEM},
    };
    private static final List<String> TEXTS = new ArrayList<>();
    private static final List<Integer> ERRNOS = new ArrayList<>();
    private static final String CATALOG;

    static
    {
        final Map<String, String> translated = translations(System.getenv(), Path.of("/usr/share/locale"));
        CATALOG = translated.remove("");
        for (final Object[] entry : ENGLISH)
        {
            final String translation = translated.get((String)entry[0]);
            if (translation != null && !translation.isEmpty())
            {
                TEXTS.add(translation);
                ERRNOS.add((Integer)entry[1]);
            }
        }
        for (final Object[] entry : ENGLISH)
        {
            TEXTS.add((String)entry[0]);
            ERRNOS.add((Integer)entry[1]);
        }
    }

    private Errno()
    {
    }

    /**
     * @param ex what a socket call threw.
     * @return its errno, or 0 when it cannot be told.
     */
    public static int of(final IOException ex)
    {
        if (ex instanceof BindException)
        {
            return EADDRNOTAVAIL; // the JDK's class for EADDRNOTAVAIL and EADDRINUSE on connect/bind
        }
        final String message = ex.getMessage();
        if (message != null)
        {
            for (int i = 0; i < TEXTS.size(); i++)
            {
                if (message.contains(TEXTS.get(i)))
                {
                    return ERRNOS.get(i);
                }
            }
        }
        return ex instanceof ConnectException ? ECONNREFUSED : 0;
    }

    /**
     * Provoke one socket error on loopback (a refused connect) and see whether its text can be read.
     *
     * @return null when it can; else the text, which means close reasons may read "error" where they should
     *         not (a C library without a catalog Vigil can read, e.g. not glibc).
     */
    public static String unreadableMessages()
    {
        try (java.nio.channels.ServerSocketChannel closed = java.nio.channels.ServerSocketChannel.open())
        {
            closed.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
            final java.net.SocketAddress address = closed.getLocalAddress();
            closed.close();
            try (java.nio.channels.SocketChannel refused = java.nio.channels.SocketChannel.open(address))
            {
                return null; // something else took the port: nothing learned
            }
            catch (final IOException ex)
            {
                final String message = String.valueOf(ex.getMessage());
                for (final String text : TEXTS)
                {
                    if (message.contains(text))
                    {
                        return null;
                    }
                }
                return message;
            }
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /**
     * @return the glibc catalog whose translations are in use, or null when messages are the C library's English.
     */
    public static String catalog()
    {
        return CATALOG;
    }

    /**
     * The translations of {@link #ENGLISH} that strerror gives a process with this environment.
     *
     * @param env         the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
     * @param localeRoots where catalogs live, e.g. /usr/share/locale.
     * @return English text to translation; the key "" holds the catalog's path. Empty in the C locale.
     */
    static Map<String, String> translations(final Map<String, String> env, final Path localeRoots)
    {
        final Map<String, String> result = new HashMap<>();
        String locale = null;
        for (final String name : new String[] {"LC_ALL", "LC_MESSAGES", "LANG"})
        {
            final String value = env.get(name);
            if (value != null && !value.isEmpty())
            {
                locale = value;
                break;
            }
        }
        if (locale == null || locale.equals("C") || locale.equals("POSIX") || locale.startsWith("C."))
        {
            return result; // gettext ignores LANGUAGE in the C locale
        }
        final List<String> languages = new ArrayList<>();
        final String language = env.get("LANGUAGE");
        if (language != null && !language.isEmpty())
        {
            languages.addAll(List.of(language.split(":")));
        }
        languages.add(locale);
        for (final String candidate : languages)
        {
            for (final String name : variants(candidate))
            {
                final Path mo = localeRoots.resolve(name).resolve("LC_MESSAGES").resolve("libc.mo");
                if (Files.isReadable(mo) && read(mo, result))
                {
                    result.put("", mo.toString());
                    return result;
                }
            }
        }
        return result;
    }

    /** gettext's search order for "de_DE.UTF-8@euro": itself, de_DE.utf8@euro, de_DE@euro, de_DE, de. */
    private static List<String> variants(final String locale)
    {
        final List<String> names = new ArrayList<>();
        final int at = locale.indexOf('@');
        final String modifier = at >= 0 ? locale.substring(at) : "";
        final String base = at >= 0 ? locale.substring(0, at) : locale;
        final int dot = base.indexOf('.');
        final String territory = dot >= 0 ? base.substring(0, dot) : base;
        names.add(locale);
        if (dot >= 0)
        {
            final String codeset = base.substring(dot + 1).toLowerCase(java.util.Locale.ROOT).replace("-", "");
            names.add(territory + "." + codeset + modifier);
        }
        names.add(territory + modifier);
        names.add(territory);
        final int underscore = territory.indexOf('_');
        if (underscore > 0)
        {
            names.add(territory.substring(0, underscore) + modifier);
            names.add(territory.substring(0, underscore));
        }
        return names;
    }

    /** Read the entries of a GNU .mo catalog whose original text is one of {@link #ENGLISH}. */
    private static boolean read(final Path mo, final Map<String, String> into)
    {
        try
        {
            final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(mo)).order(ByteOrder.LITTLE_ENDIAN);
            if (bytes.getInt(0) != MO_MAGIC)
            {
                bytes.order(ByteOrder.BIG_ENDIAN);
                if (bytes.getInt(0) != MO_MAGIC)
                {
                    return false;
                }
            }
            final int count = bytes.getInt(8);
            final int originals = bytes.getInt(12);
            final int translations = bytes.getInt(16);
            for (int i = 0; i < count; i++)
            {
                final String original = string(bytes, originals + 8 * i);
                for (final Object[] entry : ENGLISH)
                {
                    if (entry[0].equals(original))
                    {
                        into.put(original, string(bytes, translations + 8 * i));
                    }
                }
            }
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            return false; // unreadable or malformed: English only
        }
    }

    private static String string(final ByteBuffer bytes, final int descriptor)
    {
        final int length = bytes.getInt(descriptor);
        final int offset = bytes.getInt(descriptor + 4);
        return new String(bytes.array(), offset, length, StandardCharsets.UTF_8);
    }
}
