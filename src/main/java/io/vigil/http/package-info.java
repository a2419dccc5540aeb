/**
 * {@code mode = http}: {@link io.vigil.http.HttpConnection} is one client connection, split by job: requests in
 * ({@link io.vigil.http.RequestIntake}, {@link io.vigil.http.ClientInput}), per-request state
 * ({@link io.vigil.http.Exchange}) and its run ({@link io.vigil.http.ExchangeRun}), the request out
 * ({@link io.vigil.http.RequestForwarder}), the response back ({@link io.vigil.http.ResponseRelay}; the heads the
 * client gets, generated errors included, in {@link io.vigil.http.ResponseHeads}), the upstream connection
 * ({@link io.vigil.http.UpstreamLease}: pool or connect, replay, release), timeouts
 * ({@link io.vigil.http.HttpTimeouts}), interest and liveness ({@link io.vigil.http.HttpInterest}) and the access
 * log ({@link io.vigil.http.HttpAccessLog}). After 101 or a CONNECT's 2xx it becomes a
 * {@link io.vigil.session.Relay} ({@link io.vigil.http.HttpTunnel}); a connection that ends lingers first
 * ({@link io.vigil.http.HttpLinger}); its /connections row is {@link io.vigil.http.HttpConnectionInfo}. Framing
 * only, never content: parsing is in {@code http.codec}.
 */
package io.vigil.http;
