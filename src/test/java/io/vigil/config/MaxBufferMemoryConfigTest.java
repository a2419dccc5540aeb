package io.vigil.config;

import io.vigil.loop.BufferBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vigil.max-buffer-memory}: auto by default (7/8 of the JVM's direct memory limit), a size when written, and
 * nonsense refused with the key named.
 */
class MaxBufferMemoryConfigTest
{
    private static String config(final String rootKeys)
    {
        return "vigil {\n" + rootKeys + "\n  listeners = [{ name = a, listen = \"127.0.0.1:7000\", upstream = b }]\n" +
            "  upstreams { b { servers = [\"127.0.0.1:9000\"] } }\n}";
    }

    @Test
    void shouldDeriveTheCapFromDirectMemoryByDefault()
    {
        assertEquals(0, ConfigLoader.parse(config(""), "test").maxBufferMemory());
        assertEquals(0, ConfigLoader.parse(config("  max-buffer-memory = auto"), "test").maxBufferMemory());
        final long direct = BufferBudget.maxDirectMemory();
        assertEquals(direct - Math.max(direct / 8, 2L << 20), BufferBudget.capFor(0));
        assertTrue(BufferBudget.capFor(0) < direct);
    }

    @Test
    void shouldTakeASize()
    {
        assertEquals(48L << 20, ConfigLoader.parse(config("  max-buffer-memory = 48m"), "test").maxBufferMemory());
        assertEquals(48L << 20, BufferBudget.capFor(48L << 20));
        assertEquals(65536, ConfigLoader.parse(config("  max-buffer-memory = 65536"), "test").maxBufferMemory());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "max-buffer-memory = 1k    | out of range",
        "max-buffer-memory = 0     | out of range",
        "max-buffer-memory = lots  | expected a size",
        "max-buffer-memory = -5m   | expected a size"})
    void shouldRefuseBadValuesNamingTheKey(final String line, final String problem)
    {
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.parse(config("  " + line), "t"));
        assertTrue(error.getMessage().contains("vigil.max-buffer-memory"), error.getMessage());
        assertTrue(error.getMessage().contains(problem), error.getMessage());
    }
}
