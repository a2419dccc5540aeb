package io.vigil.config;

import java.net.InetSocketAddress;

/**
 * One upstream server ("peer" in nginx terms): an address and its options.
 *
 * @param spec    the server string as written, for messages.
 * @param address the resolved address.
 * @param weight  relative share of new sessions (nginx {@code weight}, default 1).
 */
public record ServerConfig(String spec, InetSocketAddress address, int weight)
{
}
