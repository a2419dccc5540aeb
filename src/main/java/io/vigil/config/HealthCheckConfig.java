package io.vigil.config;

/**
 * Active health checks of an upstream's servers ({@code health-check { ... }}), HAProxy's {@code check} with
 * {@code inter}, {@code rise}, {@code fall} and nginx Plus's {@code health_check} semantics.
 *
 * @param type           none, tcp (connect) or http (request path, expect a status).
 * @param intervalNs     time between checks of one server.
 * @param timeoutNs      a check that takes longer fails.
 * @param rise           consecutive successes that bring a down server up.
 * @param fall           consecutive failures that take an up server down.
 * @param path           request target for http checks.
 * @param expectStatusMin lowest status that passes.
 * @param expectStatusMax highest status that passes.
 */
public record HealthCheckConfig(
    Type type,
    long intervalNs,
    long timeoutNs,
    int rise,
    int fall,
    String path,
    int expectStatusMin,
    int expectStatusMax)
{
    /** Check kinds. */
    public enum Type
    {
        /** No active checks. */
        NONE,
        /** A TCP connect within the timeout passes. */
        TCP,
        /** An HTTP/1.0 request whose status is in the expected range passes. */
        HTTP
    }
}
