/**
 * The layer both modes stand on: listeners and their per-loop shards, the {@link io.vigil.session.Acceptor} that
 * tunes accepted sockets and hands them to loops, {@link io.vigil.session.Session} (what every session is to its
 * loop: counted, described, one end), the client side ({@link io.vigil.session.Downstream}), the byte
 * {@link io.vigil.session.Relay}, the one path to a new upstream connection
 * ({@link io.vigil.session.UpstreamConnector}), close reasons and sides.
 */
package io.vigil.session;
