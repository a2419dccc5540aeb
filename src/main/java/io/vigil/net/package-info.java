/**
 * Sockets and the kernel: per-socket options ({@link io.vigil.net.SocketTuning}, the only user of
 * {@code jdk.net.ExtendedSocketOptions}) and their keepalive values ({@link io.vigil.net.KeepAlive}), asking the
 * kernel about sockets epoll does not watch ({@link io.vigil.net.SocketProbe}), the errno behind an exception in any
 * locale ({@link io.vigil.net.Errno}), and addresses. Depends on nothing else of Vigil's but the log.
 */
package io.vigil.net;
