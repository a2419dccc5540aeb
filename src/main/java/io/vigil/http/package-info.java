/**
 * HTTP/1.1 framing for {@code mode = http} (issue 3, in progress): {@link io.vigil.http.codec.HttpHead} parses and
 * validates message heads in place (RFC 9112), refusing whatever could desync a connection or smuggle a request;
 * {@link io.vigil.http.codec.ChunkedDecoder} follows chunked bodies as they are relayed to find where they end; the
 * upstream side reuses connections from {@link io.vigil.upstream.ConnectionPool}.
 * Not yet wired into a session: listeners accept only {@code mode = tcp} so far.
 */
package io.vigil.http;
