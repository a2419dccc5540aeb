package io.vigil.admin;

import io.vigil.net.HostPort;
import io.vigil.net.KernelSockets;
import io.vigil.net.UserTimeouts;
import io.vigil.runtime.VigilServer;
import io.vigil.session.SessionInfo;

import java.net.InetSocketAddress;
import java.util.Comparator;
import java.util.List;

/**
 * {@code /connections}: every live session as its loop describes it, joined with the kernel's view of both its
 * sockets (state, timer and time left, probes, queues) from /proc, one read per request. Filters:
 * {@code ?listener=}, {@code ?upstream=} (a group's server address, or "-"), {@code ?limit=} (default 1000;
 * the oldest first).
 */
final class ConnectionsPage
{
    /** Most sessions listed by default: the page is bounded even with tens of thousands open. */
    static final int DEFAULT_LIMIT = 1000;
    private static final long LOOP_ANSWER_MS = 1000;

    private final VigilServer server;

    ConnectionsPage(final VigilServer server)
    {
        this.server = server;
    }

    /**
     * @param listener only this listener's sessions, or null.
     * @param upstream only sessions to this server, or null.
     * @param limit    at most this many.
     * @return the sessions, oldest first.
     */
    List<SessionInfo> sessions(final String listener, final String upstream, final int limit)
    {
        return server.sessions(LOOP_ANSWER_MS).stream()
            .filter(s -> listener == null || s.listener().equals(listener))
            .filter(s -> upstream == null || s.upstream().equals(upstream))
            .sorted(Comparator.comparingLong(SessionInfo::ageMs).reversed())
            .limit(limit)
            .toList();
    }

    AdminResponse render(final String listener, final String upstream, final int limit)
    {
        final List<SessionInfo> sessions = sessions(listener, upstream, limit);
        final KernelSockets kernel = KernelSockets.read();
        final Json json = new Json().beginObject().field("generation", server.generation())
            .field("user_timeout_mechanism", UserTimeouts.mechanism().label())
            .field("count", sessions.size()).name("connections").beginArray();
        for (final SessionInfo s : sessions)
        {
            json.beginObject()
                .field("listener", s.listener())
                .field("mode", s.mode())
                .field("generation", s.generation())
                .field("state", s.state())
                .field("client", format(s.client()))
                .field("upstream", s.upstream())
                .field("age_ms", s.ageMs())
                .field("idle_ms", s.idleMs())
                .field("bytes_from_client", s.bytesFromClient())
                .field("bytes_to_client", s.bytesToClient())
                .field("requests", s.requests())
                .field("half_close", s.halfClose())
                .name("client_socket");
            socket(json, s.clientLocal(), s.client(), s.clientKeepAlive(), kernel);
            json.name("upstream_socket");
            if (s.upstreamLocal() == null)
            {
                json.value((String)null);
            }
            else
            {
                socket(json, s.upstreamLocal(), s.upstreamRemote(), s.upstreamKeepAlive(), kernel);
            }
            json.endObject();
        }
        return AdminResponse.json(json.endArray().endObject().toString());
    }

    /** One socket: what Vigil configured and what the kernel is doing with it now. */
    static void socket(final Json json, final InetSocketAddress local, final InetSocketAddress remote,
        final String keepalive, final KernelSockets kernel)
    {
        json.beginObject().field("local", format(local)).field("remote", format(remote))
            .field("so_keepalive", keepalive);
        final KernelSockets.TcpState tcp = kernel.find(local, remote);
        json.name("kernel");
        if (tcp == null)
        {
            json.value((String)null);
        }
        else
        {
            json.beginObject()
                .field("state", tcp.state())
                .field("timer", tcp.timer())
                .field("timer_ms", tcp.timerMs())
                .field("probes", tcp.probes())
                .field("retransmits", tcp.retransmits())
                .field("send_queue", tcp.sendQueue())
                .field("receive_queue", tcp.receiveQueue())
                .endObject();
        }
        json.endObject();
    }

    static String format(final InetSocketAddress address)
    {
        return address == null ? null : HostPort.format(address);
    }
}
