/**
 * The admin listener ({@code vigil.admin.listen}): {@link io.vigil.admin.AdminServer} serves HTTP/1.1 on its own
 * event loop thread, never a data loop's, with bounded time and memory per client. Routes: Prometheus and
 * OpenMetrics text built at scrape time from the loops' counters (the stats layer) and the JVM's own metrics,
 * liveness and readiness, the live sessions with the kernel's view of each socket, the effective configuration
 * and a self-refreshing status page. Requests that change state are taken from loopback peers only unless
 * {@code admin.allow-remote-changes} is set.
 */
package io.vigil.admin;
