/**
 * Upstream groups: their servers ({@link io.vigil.upstream.Peer}, shared lock-free state: open sessions,
 * passive and active health), per-loop balancing ({@link io.vigil.upstream.PeerPicker} and the choosers:
 * round-robin, least-conn, hash, consistent hash, random, random-two), active health checks on the loops' timers,
 * name re-resolution on its own thread, and the per-loop pool of idle HTTP upstream connections
 * ({@link io.vigil.upstream.ConnectionPool}).
 */
package io.vigil.upstream;
