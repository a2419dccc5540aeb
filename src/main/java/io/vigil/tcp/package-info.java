/**
 * tcp mode: {@link io.vigil.tcp.TcpSession} connects an accepted client to an upstream through the session layer's
 * {@link io.vigil.session.UpstreamConnector} and relays both directions with a {@link io.vigil.session.Relay} until
 * both ends finished, a socket failed (a keepalive verdict among them), proxy-timeout passed or Vigil stops.
 */
package io.vigil.tcp;
