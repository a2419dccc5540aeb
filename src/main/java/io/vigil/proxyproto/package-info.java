/**
 * The PROXY protocol (HAProxy's doc/proxy-protocol.txt), both ways: {@link io.vigil.proxyproto.ProxyHeaderParser}
 * reads a v1 or v2 header exactly (never a byte of the client's stream), {@link io.vigil.proxyproto.ProxyHeaderRead}
 * runs it on a connection's loop as the first preface step of a listener with {@code proxy-protocol = on}, and
 * {@link io.vigil.proxyproto.ProxyHeaderWriter} writes the header an upstream with {@code send-proxy-protocol} gets.
 */
package io.vigil.proxyproto;
