package io.vigil.admin;

import io.vigil.runtime.VigilServer;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Which admin path does what. Reads (GET, HEAD) are open to whoever can reach the admin listener (kubelet probes
 * and Prometheus come from the pod network); anything that changes state is taken only from loopback peers
 * unless {@code admin.allow-remote-changes} says otherwise.
 */
final class AdminRoutes
{
    private final VigilServer server;
    private final Metrics metrics;
    private final ConnectionsPage connections;
    private final StatusPage status;
    private final boolean allowRemoteChanges;
    private final Supplier<CompletableFuture<AdminResponse>> reload;

    /**
     * @param server             the running server.
     * @param version            Vigil's version.
     * @param allowRemoteChanges take state changes from any peer.
     * @param reload             what POST /reload does, or null when reloading is not possible.
     */
    AdminRoutes(final VigilServer server, final String version, final boolean allowRemoteChanges,
        final Supplier<CompletableFuture<AdminResponse>> reload)
    {
        this.server = server;
        this.metrics = new Metrics(server, version);
        this.connections = new ConnectionsPage(server);
        this.status = new StatusPage(server, connections, version);
        this.allowRemoteChanges = allowRemoteChanges;
        this.reload = reload;
    }

    /**
     * @param request a parsed request.
     * @return its answer: at once, or later for a state change (a reload) that runs on another thread; the admin
     *         loop serves other requests meanwhile.
     * @throws IOException when a page cannot be rendered.
     */
    CompletableFuture<AdminResponse> answer(final AdminRequest request) throws IOException
    {
        if (request.path().equals("/reload"))
        {
            return change(request);
        }
        return CompletableFuture.completedFuture(handle(request));
    }

    AdminResponse handle(final AdminRequest request) throws IOException
    {
        final boolean read = request.method().equals("GET") || request.method().equals("HEAD");
        switch (request.path())
        {
            case "/reload":
                return change(request).getNow(AdminResponse.text(202, "reload requested\n"));
            case "/metrics":
                return read ? metrics.scrape(request.accept()) : notAllowed();
            case "/healthz":
                return !read ? notAllowed() : server.live() ? AdminResponse.text(200, "ok\n") :
                    AdminResponse.text(503, "an event loop died or is stuck\n");
            case "/readyz":
                return !read ? notAllowed() : server.ready() ? AdminResponse.text(200, "ready\n") :
                    AdminResponse.text(503, "draining\n");
            case "/connections":
                return read ? connections.render(request.query().get("listener"), request.query().get("upstream"),
                    limit(request)) : notAllowed();
            case "/config":
                return read ? ConfigPage.render(server.currentConfig(), server.generation()) : notAllowed();
            case "/":
                return read ? status.render() : notAllowed();
            default:
                return AdminResponse.text(404, "not found: try /, /metrics, /healthz, /readyz, /connections, " +
                    "/config\n");
        }
    }

    private CompletableFuture<AdminResponse> change(final AdminRequest request)
    {
        if (!request.method().equals("POST"))
        {
            return CompletableFuture.completedFuture(notAllowed());
        }
        if (!request.fromLoopback() && !allowRemoteChanges)
        {
            return CompletableFuture.completedFuture(AdminResponse.text(403, "state changes are taken from " +
                "loopback only (admin.allow-remote-changes = false)\n"));
        }
        return reload == null ? CompletableFuture.completedFuture(AdminResponse.text(501,
            "reload is not available here\n")) : reload.get();
    }

    private static int limit(final AdminRequest request)
    {
        final String limit = request.query().get("limit");
        if (limit == null)
        {
            return ConnectionsPage.DEFAULT_LIMIT;
        }
        try
        {
            return Math.max(0, Integer.parseInt(limit));
        }
        catch (final NumberFormatException ex)
        {
            return ConnectionsPage.DEFAULT_LIMIT;
        }
    }

    private static AdminResponse notAllowed()
    {
        return AdminResponse.text(405, "method not allowed\n");
    }
}
