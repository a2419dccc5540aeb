/**
 * TCP proxying: the {@link io.vigil.session.Acceptor} tunes and hands out accepted sockets, and a session relays both
 * directions on its loop until EOF, an error, a keepalive verdict, proxy-timeout or shutdown.
 */
package io.vigil.tcp;
