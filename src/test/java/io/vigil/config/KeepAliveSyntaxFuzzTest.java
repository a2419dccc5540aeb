package io.vigil.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.net.KeepAlive;
import io.vigil.test.FuzzWatchdog;
import io.vigil.test.NginxTimeReference;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Differential fuzzing of the {@code so-keepalive} parser ({@link KeepAliveSyntax#parse}) against a reference written
 * from nginx's {@code so_keepalive} syntax: {@code on}, {@code off}, {@code default} or {@code idle:intvl:cnt}
 * with times in nginx syntax within the kernel's 1..32767 s, a count of ASCII digits within 1..127, any field
 * empty but not all. A refusal is always an IllegalArgumentException; a parsed value prints back as text that
 * parses to the same value. The input is the value as UTF-8 text.
 */
class KeepAliveSyntaxFuzzTest
{
    @FuzzTest
    void shouldParseSoKeepalive(final byte[] input)
    {
        FuzzWatchdog.run("so-keepalive", () -> check(new String(input, StandardCharsets.UTF_8)));
    }

    private static void check(final String text)
    {
        final KeepAlive expected = reference(text);
        KeepAlive actual;
        try
        {
            actual = KeepAliveSyntax.parse(text);
        }
        catch (final IllegalArgumentException refused)
        {
            actual = null;
        }
        if (!Objects.equals(expected, actual))
        {
            throw new AssertionError("\"" + text + "\": expected " + expected + ", parsed " + actual);
        }
        if (actual != null && !KeepAliveSyntax.parse(actual.toString()).equals(actual))
        {
            throw new AssertionError("\"" + text + "\" prints as \"" + actual + "\", which parses differently");
        }
    }

    private static KeepAlive reference(final String text)
    {
        final String value = text.trim();
        switch (value)
        {
            case "default":
                return KeepAlive.NOT_SET;
            case "off":
            case "false":
                return new KeepAlive(KeepAlive.Mode.OFF, 0, 0, 0);
            case "on":
            case "true":
                return new KeepAlive(KeepAlive.Mode.ON, 0, 0, 0);
            default:
                break;
        }
        final String[] fields = value.split(":", -1);
        if (fields.length != 3)
        {
            return null;
        }
        final Long idle = fields[0].isEmpty() ? Long.valueOf(0) : NginxTimeReference.seconds(fields[0]);
        final Long interval = fields[1].isEmpty() ? Long.valueOf(0) : NginxTimeReference.seconds(fields[1]);
        final Long count = fields[2].isEmpty() ? Long.valueOf(0) : fields[2].matches("[0-9]+") ?
            Long.valueOf(new BigInteger(fields[2]).min(BigInteger.valueOf(Integer.MAX_VALUE)).longValue()) : null;
        if (idle == null || interval == null || count == null || idle + interval + count == 0 ||
            !fields[0].isEmpty() && (idle < 1 || idle > KeepAlive.MAX_IDLE_OR_INTERVAL_SEC) ||
            !fields[1].isEmpty() && (interval < 1 || interval > KeepAlive.MAX_IDLE_OR_INTERVAL_SEC) ||
            !fields[2].isEmpty() && (count < 1 || count > KeepAlive.MAX_COUNT))
        {
            return null;
        }
        return new KeepAlive(KeepAlive.Mode.ON, idle.intValue(), interval.intValue(), count.intValue());
    }
}
