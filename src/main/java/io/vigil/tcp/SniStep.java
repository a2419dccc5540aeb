package io.vigil.tcp;

import io.vigil.config.SniRoutes;
import io.vigil.session.CloseReason;
import io.vigil.session.Preface;
import io.vigil.tls.ClientHelloScanner;

import java.nio.ByteBuffer;

/**
 * The preface step of a tcp listener with routes: scan the ClientHello for its server name and choose the route,
 * consuming nothing (every byte goes to the chosen upstream). A stream that is not TLS, a ClientHello without a
 * name, one that is malformed, or one that did not arrive in full before the client stopped sending or
 * preread-timeout passed goes to the default route (nginx decides with what it has, too); one longer than the
 * scanner's bound is closed, as nginx's "preread buffer full" is. One per connection.
 */
final class SniStep implements Preface.Step
{
    private final SniRoutes routes;
    private final ClientHelloScanner scanner;
    private int route = SniRoutes.REFUSE;
    private CloseReason refusal = CloseReason.NO_ROUTE;

    /**
     * @param routes   the listener's routes.
     * @param maxBytes the most bytes to look at.
     */
    SniStep(final SniRoutes routes, final int maxBytes)
    {
        this.routes = routes;
        this.scanner = new ClientHelloScanner(maxBytes);
    }

    @Override
    public int onBytes(final ByteBuffer buffer, final int from, final int to, final int end)
    {
        final int scanned = from + scanner.bytesScanned();
        final int result = scanned < to ? scanner.scan(buffer, scanned, to) : scanner.result();
        if (result == ClientHelloScanner.NEED_MORE && end == OPEN)
        {
            return MORE;
        }
        if (result == ClientHelloScanner.TOO_LARGE || result == ClientHelloScanner.NEED_MORE && end == FULL)
        {
            refusal = CloseReason.PROTOCOL_ERROR;
            return REFUSE;
        }
        route = routes.route(scanner.serverName());
        return route == SniRoutes.REFUSE ? REFUSE : 0;
    }

    @Override
    public long timeoutNs()
    {
        return routes.prereadTimeoutNs();
    }

    @Override
    public CloseReason refusal()
    {
        return refusal;
    }

    /**
     * @return the chosen route, once the step is done.
     */
    int route()
    {
        return route;
    }

    /**
     * @return the server name the client asked for, or null.
     */
    String serverName()
    {
        return scanner.serverName();
    }
}
