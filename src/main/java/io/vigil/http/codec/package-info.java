/**
 * HTTP/1.1 framing without a String per field and without I/O: {@link io.vigil.http.codec.HttpHead} parses and
 * validates heads in place (RFC 9112), refusing whatever could desync a connection or smuggle a request;
 * {@link io.vigil.http.codec.BodyFramer} and {@link io.vigil.http.codec.ChunkedDecoder} find where a body ends as
 * its bytes pass; {@link io.vigil.http.codec.HeadWriter} writes the head Vigil forwards. Every parser here sees
 * hostile bytes and runs under the fuzzer.
 */
package io.vigil.http.codec;
