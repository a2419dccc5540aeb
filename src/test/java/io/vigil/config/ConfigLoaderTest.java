package io.vigil.config;

import io.vigil.net.KeepAlive;
import io.vigil.test.TempFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest
{
    private static final String GOOD = String.join("\n",
        "vigil {",
        "  event-loops = 3",
        "  listeners = [",
        "    { name = public, listen = \"127.0.0.1:8443\", mode = tcp, upstream = backend,",
        "      so-keepalive = \"120:30:5\", proxy-timeout = 10m }",
        "    { name = other, listen = \"[::1]:8444\", upstream = backend, reuseport = true }",
        "    { name = any, listen = \"*:8445\", upstream = backend, so-keepalive = on, buffer-size = 64k }",
        "  ]",
        "  upstreams {",
        "    backend { servers = [\"127.0.0.1:9000\", \"127.0.0.1:9001 weight=2\"],",
        "              connect-timeout = 2s, so-keepalive = \"60:10:3\", next-upstream-tries = 1 }",
        "  }",
        "}");

    @Test
    void shouldLoadAndLayerListenerDefaults()
    {
        final VigilConfig config = ConfigLoader.parse(GOOD, "good.conf");
        assertEquals(3, config.eventLoops());
        assertEquals(3, config.listeners().size());

        final ListenerConfig pub = config.listeners().get(0);
        assertEquals("public", pub.name());
        assertEquals(8443, pub.listen().getPort());
        assertEquals(KeepAliveSyntax.parse("120:30:5"), pub.soKeepalive());
        assertEquals(TimeUnit.MINUTES.toNanos(10), pub.proxyTimeoutNs());
        assertEquals(511, pub.backlog());
        assertFalse(pub.reuseport());

        final ListenerConfig other = config.listeners().get(1);
        assertEquals(KeepAlive.NOT_SET, other.soKeepalive(), "not set means leave the socket alone");
        assertTrue(other.reuseport());
        assertEquals(32 * 1024, other.bufferSize());
        assertTrue(other.listen().getAddress().isLoopbackAddress());

        final ListenerConfig any = config.listeners().get(2);
        assertTrue(any.listen().getAddress().isAnyLocalAddress());
        assertEquals(64 * 1024, any.bufferSize());

        final UpstreamConfig backend = config.upstreams().get("backend");
        assertEquals(2, backend.servers().size());
        assertEquals(2, backend.servers().get(1).weight());
        assertEquals(TimeUnit.SECONDS.toNanos(2), backend.connectTimeoutNs());
        assertEquals(KeepAliveSyntax.parse("60:10:3"), backend.soKeepalive());
        assertEquals(1, backend.maxTries());
    }

    @Test
    void shouldLoadTheShippedExampleConfig()
    {
        final VigilConfig config = ConfigLoader.load(new File("conf/vigil.conf"));
        assertEquals("public", config.listeners().get(0).name());
    }

    static Stream<Arguments> badConfigs()
    {
        return Stream.of(
            Arguments.of("unknown listener key (typo)",
                listener("proxy-timout = 5s"), 3, "vigil.listeners[0].proxy-timout", "unknown key"),
            Arguments.of("unknown root key",
                "vigil {\n  listners = []\n" + upstreams() + "\n}", 2, "vigil.listners", "unknown key"),
            Arguments.of("out-of-range keepalive idle",
                listener("so-keepalive = \"40000:1:1\""), 3, "vigil.listeners[0].so-keepalive", "1..32767"),
            Arguments.of("out-of-range keepalive count",
                listener("so-keepalive = \"1:1:128\""), 3, "vigil.listeners[0].so-keepalive", "1..127"),
            Arguments.of("malformed keepalive",
                listener("so-keepalive = \"1:1\""), 3, "vigil.listeners[0].so-keepalive", "idle:intvl:cnt"),
            Arguments.of("wrong type",
                listener("backlog = lots"), 3, "vigil.listeners[0].backlog", "whole number"),
            Arguments.of("bad duration",
                listener("proxy-timeout = soon"), 3, "vigil.listeners[0].proxy-timeout", "duration"),
            Arguments.of("bad listen address",
                "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:99999\", upstream = b }\n  ]\n" +
                upstreams() + "\n}", 3, "vigil.listeners[0].listen", "out of range"),
            Arguments.of("missing upstream",
                "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:7000\", upstream = nope }\n  ]\n" +
                upstreams() + "\n}", 3, "vigil.listeners[0].upstream", "no upstream named \"nope\""),
            Arguments.of("duplicate listen address",
                "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:7000\", upstream = b }\n" +
                "    { name = c, listen = \"127.0.0.1:7000\", upstream = b }\n  ]\n" + upstreams() + "\n}",
                4, "vigil.listeners[1].listen", "already used by listener \"a\""),
            Arguments.of("a wildcard over a specific address",
                "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:7000\", upstream = b }\n" +
                "    { name = c, listen = \"*:7000\", upstream = b }\n  ]\n" + upstreams() + "\n}",
                4, "vigil.listeners[1].listen", "overlaps 127.0.0.1:7000 of listener \"a\""),
            Arguments.of("a specific address under a wildcard",
                "vigil {\n  listeners = [\n    { name = a, listen = \"0.0.0.0:7000\", upstream = b }\n" +
                "    { name = c, listen = \"127.0.0.2:7000\", upstream = b }\n  ]\n" + upstreams() + "\n}",
                4, "vigil.listeners[1].listen", "overlaps 0.0.0.0:7000 of listener \"a\""),
            Arguments.of("the IPv6 wildcard over IPv4 (dual-stack)",
                "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:7000\", upstream = b }\n" +
                "    { name = c, listen = \"[::]:7000\", upstream = b }\n  ]\n" + upstreams() + "\n}",
                4, "vigil.listeners[1].listen", "overlaps 127.0.0.1:7000"),
            // found by fuzzing: these escaped as com.typesafe.config exceptions without Vigil's message
            Arguments.of("listener defaults not an object",
                "vigil {\n  listener-defaults = 3\n}", 2, "vigil.listener-defaults", "expected an object"),
            Arguments.of("upstream defaults a list",
                "vigil {\n  upstream-defaults = [1]\n}", 2, "vigil.upstream-defaults", "expected an object"),
            Arguments.of("vigil null", "\nvigil = null", 2, "vigil", "expected an object"),
            Arguments.of("missing listen",
                "vigil {\n  listeners = [\n    { name = a, upstream = b }\n  ]\n" + upstreams() + "\n}",
                3, "vigil.listeners[0].listen", "missing required key"),
            Arguments.of("bad server option",
                "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:7000\", upstream = b }\n  ]\n" +
                "  upstreams {\n    b { servers = [\"127.0.0.1:9000 wieght=2\"] }\n  }\n}",
                6, "vigil.upstreams.b.servers[0]", "unsupported server option"),
            Arguments.of("bad upstream keepalive",
                "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:7000\", upstream = b }\n  ]\n" +
                "  upstreams {\n    b { servers = [\"127.0.0.1:9000\"]\n        so-keepalive = \"0::\" }\n  }\n}",
                7, "vigil.upstreams.b.so-keepalive", "1..32767"),
            Arguments.of("unknown balance",
                upstream("balance = fastest"), 6, "vigil.upstreams.b.balance", "one of: round-robin, least-conn"),
            Arguments.of("unknown health-check key",
                upstream("health-check { type = tcp, intervall = 1s }"), 6, "vigil.upstreams.b.health-check.intervall",
                "unknown key"),
            Arguments.of("bad expect-status",
                upstream("health-check { type = http, expect-status = \"2xx\" }"), 6,
                "vigil.upstreams.b.health-check.expect-status", "200-399"),
            Arguments.of("bad server option value",
                upstream("") .replace("127.0.0.1:9000\"", "127.0.0.1:9000 max-fails=lots\""), 6,
                "vigil.upstreams.b.servers[0]", "max-fails=lots"),
            Arguments.of("only backup servers",
                upstream("").replace("127.0.0.1:9000\"", "127.0.0.1:9000 backup\""), 6,
                "vigil.upstreams.b.servers", "neither backup nor down"),
            Arguments.of("unknown mode",
                listener("mode = udp"), 3, "vigil.listeners[0].mode", "unknown mode"),
            Arguments.of("bad half-close", listener("half-close = sometimes"), 3, "vigil.listeners[0].half-close",
                "expected true or false"),
            Arguments.of("half-close on an http listener", listener("mode = http, half-close = off"), 3,
                "vigil.listeners[0].half-close", "applies only to mode = tcp"),
            Arguments.of("http key on a tcp listener",
                listener("keepalive-timeout = 5s"), 3, "vigil.listeners[0].keepalive-timeout",
                "applies only to mode = http"),
            Arguments.of("request line longer than the head",
                listener("mode = http, max-request-line = 64k"), 3, "vigil.listeners[0].max-request-line",
                "must not exceed max-header-size"),
            Arguments.of("bad client-max-body-size",
                listener("mode = http, client-max-body-size = big"), 3, "vigil.listeners[0].client-max-body-size",
                "size"),
            Arguments.of("unknown upstream keepalive key",
                upstream("keepalive { idle = 8, idel-timeout = 5s }"), 6, "vigil.upstreams.b.keepalive.idel-timeout",
                "unknown key"),
            Arguments.of("negative keepalive idle",
                upstream("keepalive { idle = -1 }"), 6, "vigil.upstreams.b.keepalive.idle", "out of range"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void shouldRefuseBadValuesNamingFileLineAndKey(
        final String description, final String hocon, final int line, final String key, final String problem)
        throws IOException
    {
        final File file = TempFiles.write("vigil-bad", ".conf", hocon);
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
        final String message = error.getMessage();
        assertTrue(message.startsWith(file.getPath() + ":" + line + ": "), message);
        assertTrue(message.contains(key + ": "), message);
        assertTrue(message.contains(problem), message);
    }

    @Test
    void shouldRefuseABrokenUnicodeEscapeNamingFileAndLineInsteadOfCrashingTheParser() throws IOException
    {
        // the HOCON library turns this escape into a negative code point and throws IllegalArgumentException
        final File file = TempFiles.write("vigil-bad", ".conf", "vigil {\n  listeners = [{ name = \"caf\\u-0e9\"," +
            " listen = \"127.0.0.1:0\", upstream = u }]\n}\n");
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
        assertTrue(error.getMessage().startsWith(file.getPath() + ": 2: invalid \\u escape \\u-0e9"),
            error.getMessage());
    }

    @Test
    void shouldLoadHttpModeWithNginxDefaultsAndUserValues()
    {
        final VigilConfig config = ConfigLoader.parse(listener("mode = http, keepalive-requests = 50, " +
            "client-max-body-size = 0, add-x-forwarded = true").replace("servers = [\"127.0.0.1:9000\"]",
            "servers = [\"127.0.0.1:9000\"], read-timeout = 5s, keepalive { idle = 8 }"), "http.conf");
        final ListenerConfig listener = config.listeners().get(0);
        assertEquals(ListenerConfig.Mode.HTTP, listener.mode());
        final HttpListenerConfig http = listener.http();
        assertEquals(TimeUnit.SECONDS.toNanos(75), http.keepaliveTimeoutNs());
        assertEquals(50, http.keepaliveRequests());
        assertEquals(TimeUnit.HOURS.toNanos(1), http.keepaliveTimeNs());
        assertEquals(TimeUnit.SECONDS.toNanos(60), http.clientHeaderTimeoutNs());
        assertEquals(0, http.clientMaxBodySize());
        assertEquals(8 * 1024, http.maxRequestLine());
        assertEquals(32 * 1024, http.maxHeaderSize());
        assertTrue(http.addXForwarded());
        assertFalse(http.addForwarded());
        final HttpUpstreamConfig upstream = config.upstreams().get("b").http();
        assertEquals(TimeUnit.SECONDS.toNanos(5), upstream.readTimeoutNs());
        assertEquals(8, upstream.keepaliveIdle());
        assertEquals(TimeUnit.SECONDS.toNanos(60), upstream.keepaliveTimeoutNs(),
            "the rest of the block from defaults");
        assertEquals(1000, upstream.keepaliveRequests());
    }

    @Test
    void shouldRefuseAnUnresolvedOptionalSubstitutionAsAConfigError()
    {
        // found by fuzzing: reading the unresolved user tree threw ConfigException.NotResolved
        final ConfigError error = assertThrows(ConfigError.class,
            () -> ConfigLoader.parse("vigil = ${?VIGIL_TEST_NO_SUCH_VARIABLE}", "optional.conf"));
        assertTrue(error.getMessage().contains("at least one listener"), error.getMessage());
    }

    @Test
    void shouldPlaceAValueFromTheEnvironmentAtTheObjectHoldingIt() throws IOException
    {
        // found by fuzzing: a value substituted from an environment variable has no line, and the refusal said only
        // "env variables: ..."
        final File file = TempFiles.write("vigil-env", ".conf", "vigil {\n" +
            "  listeners = [{ name = a, listen = \"127.0.0.1:7000\", upstream = b }]\n" +
            "  upstreams {\n    b { servers = ${PATH} }\n  }\n}");
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
        final String message = error.getMessage();
        assertTrue(message.startsWith(file.getPath() + ":4 (value from env variables): vigil.upstreams.b.servers: "),
            message);

        // found by fuzzing: vigil itself substituted named the file without a line
        final File whole = TempFiles.write("vigil-env", ".conf", "# all from the environment\n\nvigil = ${PATH}\n");
        final String wholeMessage = assertThrows(ConfigError.class, () -> ConfigLoader.load(whole)).getMessage();
        assertTrue(wholeMessage.startsWith(whole.getPath() + ":3 (value from env variables): vigil: "), wholeMessage);
        assertTrue(wholeMessage.contains("expected an object"), wholeMessage);
    }

    @Test
    void shouldReportSyntaxErrorsWithFileAndLine() throws IOException
    {
        final File file = TempFiles.write("vigil-syntax", ".conf", "vigil {\n  listeners = [\n    { name = \n}");
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
        assertTrue(error.getMessage().contains(file.getName()), error.getMessage());
    }

    @Test
    void shouldAllowTheSamePortOnDistinctAddressesAndAWildcardOnAnotherPort()
    {
        final VigilConfig config = ConfigLoader.parse("vigil {\n  listeners = [\n" +
            "    { name = a, listen = \"127.0.0.1:7000\", upstream = b }\n" +
            "    { name = c, listen = \"127.0.0.2:7000\", upstream = b }\n" +
            "    { name = d, listen = \"*:7001\", upstream = b }\n" +
            "    { name = e, listen = \"[::1]:7000\", upstream = b }\n  ]\n" + upstreams() + "\n}", "test");
        assertEquals(4, config.listeners().size());
    }

    @Test
    void shouldReportAMissingFile()
    {
        final ConfigError error =
            assertThrows(ConfigError.class, () -> ConfigLoader.load(new File("/nonexistent/vigil.conf")));
        assertTrue(error.getMessage().startsWith("/nonexistent/vigil.conf: "), error.getMessage());
    }

    private static String listener(final String extra)
    {
        return "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:7000\", upstream = b, " + extra +
            " }\n  ]\n" + upstreams() + "\n}";
    }

    private static String upstream(final String extra)
    {
        return "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:7000\", upstream = b }\n  ]\n" +
            "  upstreams {\n    b { servers = [\"127.0.0.1:9000\"], " + extra + " }\n  }\n}";
    }

    private static String upstreams()
    {
        return "  upstreams { b { servers = [\"127.0.0.1:9000\"] } }";
    }
}
