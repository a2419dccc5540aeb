package io.vigil.session;

import java.net.InetSocketAddress;

/**
 * One live session as its loop describes it on request: what an operator lists on /connections. Built on the
 * owning loop (never on a hot path), read anywhere.
 *
 * @param listener          the listener's name.
 * @param mode              "tcp" or "http".
 * @param generation        the configuration generation it started in.
 * @param state             what it is doing ("connecting", "relaying", "idle", "exchange", "tunnel", ...).
 * @param client            the client's address (the real one behind a PROXY header).
 * @param clientLocal       Vigil's own address on the client socket (to find it in the kernel's tables).
 * @param upstream          the upstream server ("-" when none now).
 * @param upstreamLocal     Vigil's own address on the upstream socket, or null.
 * @param upstreamRemote    the upstream socket's peer, or null.
 * @param ageMs             since accept.
 * @param idleMs            since bytes last moved either way.
 * @param bytesFromClient   bytes read from the client.
 * @param bytesToClient     bytes written to the client.
 * @param requests          HTTP requests served (0 for tcp).
 * @param clientKeepAlive   the client socket's so-keepalive, as configured.
 * @param upstreamKeepAlive the upstream socket's so-keepalive, as configured.
 * @param halfClose         the listener's half-close, "on" or "off" (tcp); null for http, which has none.
 */
public record SessionInfo(
    String listener,
    String mode,
    long generation,
    String state,
    InetSocketAddress client,
    InetSocketAddress clientLocal,
    String upstream,
    InetSocketAddress upstreamLocal,
    InetSocketAddress upstreamRemote,
    long ageMs,
    long idleMs,
    long bytesFromClient,
    long bytesToClient,
    long requests,
    String clientKeepAlive,
    String upstreamKeepAlive,
    String halfClose)
{
}
