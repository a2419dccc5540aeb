/**
 * TLS seen from outside, without terminating it: {@link io.vigil.tls.ClientHelloScanner} reads the server name a
 * client asks for from its ClientHello, so a tcp listener can choose an upstream by name (SNI routing) and still
 * forward every byte unchanged.
 */
package io.vigil.tls;
