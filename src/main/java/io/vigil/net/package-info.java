/**
 * Sockets and the kernel: per-socket options ({@link io.vigil.net.SocketTuning}, the only user of
 * {@code jdk.net.ExtendedSocketOptions}), asking the kernel about sockets epoll does not watch
 * ({@link io.vigil.net.SocketProbe}), addresses and close reasons.
 */
package io.vigil.net;
