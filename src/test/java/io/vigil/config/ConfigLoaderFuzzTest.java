package io.vigil.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vigil.test.FuzzWatchdog;
import io.vigil.test.OfflineLookup;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Coverage-guided fuzzing of the configuration loader ({@link ConfigLoader}) with arbitrary HOCON text: the
 * result is a valid configuration or a {@link ConfigError} that names the file and line (only the file when Typesafe
 * Config itself cannot place a value substituted from the environment or a system property), never another exception
 * and never a hang ({@link FuzzWatchdog}). Host names resolve with {@link OfflineLookup}, never DNS. Text with an
 * {@code include} is skipped: HOCON would read the file or URL it names. The input is the file as UTF-8 text.
 */
class ConfigLoaderFuzzTest
{
    private static final String FILE = "fuzz.conf";
    /** "fuzz.conf: 12" as Typesafe Config describes a place in a string source; "reference.conf:12" for defaults. */
    private static final Pattern LOCATION = Pattern.compile("(" + Pattern.quote(FILE) + "|reference\\.conf): ?\\d+");

    static
    {
        // load (and, when fuzzing, instrument) the HOCON parser before the first timed input: on a loaded machine
        // that alone outlasted FuzzWatchdog's 5 s bound and libFuzzer's -timeout in the first campaign
        try
        {
            ConfigLoader.parse("vigil { }", FILE, OfflineLookup.INSTANCE);
        }
        catch (final ConfigError expected)
        {
            // no listeners: refused, and every class it needed is loaded
        }
    }

    @FuzzTest
    void shouldLoadOrRefuseConfigs(final byte[] input)
    {
        final String text = new String(input, StandardCharsets.UTF_8);
        if (text.contains("include"))
        {
            return;
        }
        FuzzWatchdog.run("ConfigLoader", () -> check(text));
    }

    private static void check(final String text)
    {
        final VigilConfig config;
        try
        {
            config = ConfigLoader.parse(text, FILE, OfflineLookup.INSTANCE);
        }
        catch (final ConfigError refused)
        {
            final String message = String.valueOf(refused.getMessage());
            // a value substituted from the environment or a system property has no line; the file is still named
            final boolean substituted = message.startsWith(FILE + ": ") &&
                (message.contains("env variables") || message.contains("system properties"));
            if (!LOCATION.matcher(message).find() && !substituted)
            {
                throw new AssertionError("a refusal must name the file and line: " + refused.getMessage(), refused);
            }
            return;
        }
        valid(config);
    }

    private static void valid(final VigilConfig config)
    {
        expect(config.eventLoops() >= 1 && !config.listeners().isEmpty(), "loops and listeners");
        for (final ListenerConfig listener : config.listeners())
        {
            expect(config.upstreams().containsKey(listener.upstream()), "a listener's upstream exists");
            expect(!listener.name().isBlank() && listener.listen() != null, "a listener has a name and an address");
            expect(listener.mode() != ListenerConfig.Mode.HTTP || listener.http() != null &&
                listener.http().maxRequestLine() <= listener.http().maxHeaderSize(), "http limits consistent");
        }
        for (final UpstreamConfig upstream : config.upstreams().values())
        {
            expect(!upstream.servers().isEmpty(), "an upstream has servers");
            expect(upstream.servers().stream().anyMatch(server -> !server.backup() && !server.down()),
                "an upstream has a primary server");
            upstream.servers().forEach(server -> expect(!server.addresses().isEmpty() && server.port() >= 1 &&
                server.port() <= 65535, "a server resolved to a port in range"));
        }
    }

    private static void expect(final boolean ok, final String what)
    {
        if (!ok)
        {
            throw new AssertionError(what);
        }
    }
}
