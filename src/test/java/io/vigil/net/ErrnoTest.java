package io.vigil.net;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The errno behind a socket exception, whatever language the C library speaks: English texts, the JDK's own
 * texts and classes, and translations read from glibc's catalog as gettext would choose it.
 */
class ErrnoTest
{
    private static final Path LOCALES = Path.of("/usr/share/locale");

    @Test
    void shouldTellTheErrnosVigilActsOnFromEnglishTextAndClasses()
    {
        assertEquals(Errno.ETIMEDOUT, Errno.of(new IOException("Connection timed out")));
        assertEquals(Errno.ECONNRESET, Errno.of(new IOException("Connection reset by peer")));
        assertEquals(Errno.ECONNRESET, Errno.of(new SocketException("Connection reset")));
        assertEquals(Errno.EPIPE, Errno.of(new IOException("Broken pipe")));
        assertEquals(Errno.EMFILE, Errno.of(new IOException("Too many open files")));
        assertEquals(Errno.ENFILE, Errno.of(new IOException("Too many open files in system")));
        assertEquals(Errno.EADDRNOTAVAIL, Errno.of(new BindException("anything")));
        assertEquals(Errno.ECONNREFUSED, Errno.of(new ConnectException("anything")));
        assertEquals(0, Errno.of(new IOException("something else")));
        assertEquals(0, Errno.of(new IOException((String)null)));
    }

    @Test
    void shouldReadTheTranslationsStrerrorUsesInAGermanLocale()
    {
        assertTrue(Files.isReadable(LOCALES.resolve("de/LC_MESSAGES/libc.mo")),
            "glibc's German catalog is missing: apt-get install libc-l10n");
        final Map<String, String> german = Errno.translations(Map.of("LANG", "de_DE.UTF-8"), LOCALES);
        assertEquals(LOCALES.resolve("de/LC_MESSAGES/libc.mo").toString(), german.get(""), "gettext's fallback to de");
        assertEquals("Die Wartezeit für die Verbindung ist abgelaufen", german.get("Connection timed out"));
        assertEquals("Die Verbindung wurde vom Kommunikationspartner zurückgesetzt",
            german.get("Connection reset by peer"));
        assertNotEquals(null, german.get("Broken pipe"));
    }

    @Test
    void shouldFollowGettextsOrderOfVariables()
    {
        assertTrue(Errno.translations(Map.of("LANG", "de_DE.UTF-8", "LC_ALL", "C"), LOCALES).isEmpty(),
            "LC_ALL=C wins over LANG");
        assertTrue(Errno.translations(Map.of("LC_MESSAGES", "C.UTF-8", "LANG", "de_DE.UTF-8"), LOCALES).isEmpty());
        assertTrue(Errno.translations(Map.of("LANGUAGE", "de", "LANG", "C"), LOCALES).isEmpty(),
            "LANGUAGE is ignored in the C locale");
        assertEquals("Connexion terminée par expiration du délai d'attente",
            Errno.translations(Map.of("LANGUAGE", "fr:de", "LANG", "de_DE.UTF-8"), LOCALES).get("Connection timed out"),
            "LANGUAGE comes first");
        assertTrue(Errno.translations(Map.of(), LOCALES).isEmpty(), "no variables: C");
    }
}
