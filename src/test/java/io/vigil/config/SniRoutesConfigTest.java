package io.vigil.config;

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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SniRoutesConfigTest
{
    private static final String UPSTREAMS = "  upstreams {\n    api { servers = [\"127.0.0.1:9000\"] }\n" +
        "    web { servers = [\"127.0.0.1:9001\"] }\n  }\n";

    private static String listener(final String keys)
    {
        return "vigil {\n  listeners = [\n    { name = a, listen = \"127.0.0.1:7000\",\n      " + keys + " }\n  ]\n" +
            UPSTREAMS + "}";
    }

    private static SniRoutes routes(final String routes)
    {
        return ConfigLoader.parse(listener("routes { " + routes + " }"), "test").listeners().get(0).routes();
    }

    private static String route(final SniRoutes routes, final String name)
    {
        final int route = routes.route(name);
        return route == SniRoutes.REFUSE ? "refuse" : routes.upstream(route);
    }

    @Test
    void shouldPreferExactNamesThenTheLongestWildcardThenDefault()
    {
        final SniRoutes routes = routes("\"API.example.com\" = api, \"*.example.com\" = web, " +
            "\"*.eu.example.com\" = api, default = web");
        assertEquals("api", route(routes, "api.example.com"));
        assertEquals("web", route(routes, "www.example.com"));
        assertEquals("web", route(routes, "a.b.example.com"), "a wildcard matches one or more labels");
        assertEquals("api", route(routes, "x.eu.example.com"), "the longest wildcard wins");
        assertEquals("api", route(routes, "api.example.com."), "a trailing dot is ignored");
        assertEquals("web", route(routes, "example.com"), "*.example.com does not match example.com: default");
        assertEquals("web", route(routes, null));
        assertEquals("web", route(routes, ".example.com"), "an empty label matches no wildcard");
        assertEquals(TimeUnit.SECONDS.toNanos(5), routes.prereadTimeoutNs());
        final ListenerConfig listener = ConfigLoader.parse(listener("routes { \"a.example.com\" = api, default = " +
            "web }, preread-timeout = 250ms"), "test").listeners().get(0);
        assertEquals("web", listener.upstream(), "the default route's upstream stands for the listener's");
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), listener.routes().prereadTimeoutNs());
    }

    @Test
    void shouldRefuseWhatNoRouteMatchesWithoutADefault()
    {
        final SniRoutes routes = routes("\"api.example.com\" = api");
        assertEquals("api", route(routes, "api.example.com"));
        assertEquals("refuse", route(routes, "www.example.com"));
        assertEquals("refuse", route(routes, null));
    }

    @Test
    void shouldHaveNoRoutesUnlessWritten()
    {
        assertNull(ConfigLoader.parse(listener("upstream = api"), "test").listeners().get(0).routes());
    }

    static Stream<Arguments> badRoutes()
    {
        return Stream.of(
            Arguments.of("unknown upstream in routes", "routes {\n      \"api.example.com\" = nope }", 5,
                "vigil.listeners[0].routes.\"api.example.com\"", "no upstream named \"nope\""),
            Arguments.of("routes on an http listener", "mode = http,\n      routes { default = api }", 5,
                "vigil.listeners[0].routes", "applies only to mode = tcp"),
            Arguments.of("routes next to upstream", "upstream = api,\n      routes { default = api }", 4,
                "vigil.listeners[0].upstream", "either upstream or routes"),
            Arguments.of("an unquoted name with dots", "routes {\n      api.example.com = api }", 5,
                "vigil.listeners[0].routes.\"api\"", "quote server names"),
            Arguments.of("a wildcard in the middle", "routes {\n      \"api.*.com\" = api }", 5,
                "vigil.listeners[0].routes.\"api.*.com\"", "leading \"*.\" only"),
            Arguments.of("a name that is no DNS name", "routes {\n      \"api..com\" = api }", 5,
                "vigil.listeners[0].routes.\"api..com\"", "not a DNS name"),
            Arguments.of("the same name twice", "routes { \"a.example.com\" = api,\n      \"A.example.com\" = web }",
                4, "vigil.listeners[0].routes.\"a.example.com\"", "compare case-insensitively"),
            Arguments.of("no routes", "routes {\n      }", 4, "vigil.listeners[0].routes", "at least one route"),
            Arguments.of("preread-timeout without routes", "upstream = api,\n      preread-timeout = 1s", 5,
                "vigil.listeners[0].preread-timeout", "only to a listener with routes"),
            Arguments.of("neither upstream nor routes", "mode = tcp", 3, "vigil.listeners[0].upstream",
                "missing required key"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRoutes")
    void shouldRefuseBadRoutesNamingFileLineAndKey(
        final String description, final String keys, final int line, final String key, final String problem)
        throws IOException
    {
        final File file = TempFiles.write("vigil-bad", ".conf", listener(keys));
        final ConfigError error = assertThrows(ConfigError.class, () -> ConfigLoader.load(file));
        final String message = error.getMessage();
        assertTrue(message.startsWith(file.getPath() + ":" + line + ": "), message);
        assertTrue(message.contains(key + ": "), message);
        assertTrue(message.contains(problem), message);
    }
}
