package io.vigil.config;

import io.vigil.test.TempFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.File;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code idle-strategy} and {@code idle-spin}: block by default, spin with its bound, and every bad value refused at
 * load with file, line and key.
 */
class IdleConfigTest
{
    private static String config(final String rootKeys)
    {
        return "vigil {\n" + rootKeys + "\n  listeners = [{ name = a, listen = \"127.0.0.1:7000\", upstream = b }]\n" +
            "  upstreams { b { servers = [\"127.0.0.1:9000\"] } }\n}";
    }

    @Test
    void shouldBlockByDefault()
    {
        final IdleConfig idle = ConfigLoader.parse(config(""), "test").idle();
        assertEquals(IdleConfig.Strategy.BLOCK, idle.strategy());
        assertEquals(TimeUnit.MICROSECONDS.toNanos(50), idle.spinNs());
    }

    @Test
    void shouldLoadSpinWithItsBound()
    {
        final IdleConfig idle = ConfigLoader.parse(config("  idle-strategy = spin, idle-spin = 200us"), "test").idle();
        assertEquals(IdleConfig.Strategy.SPIN, idle.strategy());
        assertEquals(TimeUnit.MICROSECONDS.toNanos(200), idle.spinNs());
        assertEquals(TimeUnit.SECONDS.toNanos(1),
            ConfigLoader.parse(config("  idle-strategy = spin, idle-spin = 1s"), "test").idle().spinNs());
        assertEquals(1000,
            ConfigLoader.parse(config("  idle-strategy = spin, idle-spin = 1us"), "test").idle().spinNs());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "idle-strategy = busy-spin | vigil.idle-strategy | unknown value \"busy-spin\" (one of: block, spin)",
        "idle-strategy = 3         | vigil.idle-strategy | unknown value \"3\"",
        "idle-spin = 0             | vigil.idle-spin     | must be 1us..1s",
        "idle-spin = 999ns         | vigil.idle-spin     | must be 1us..1s",
        "idle-spin = 2s            | vigil.idle-spin     | must be 1us..1s",
        "idle-spin = soon          | vigil.idle-spin     | expected a duration",
        "idle-spin = -5us          | vigil.idle-spin     | must be 1us..1s"})
    void shouldRefuseBadValuesNamingFileLineAndKey(final String line, final String key, final String problem)
        throws IOException
    {
        final File file = TempFiles.write("vigil-idle", ".conf", config("  idle-strategy = spin\n  " + line));
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
        final String message = error.getMessage();
        assertTrue(message.startsWith(file.getPath() + ":3: "), message);
        assertTrue(message.contains(key + ": "), message);
        assertTrue(message.contains(problem), message);
    }
}
