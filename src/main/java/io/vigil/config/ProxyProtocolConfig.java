package io.vigil.config;

import io.vigil.net.Cidr;

import java.net.InetAddress;
import java.util.List;

/**
 * A listener's PROXY protocol settings: whether every connection must start with a v1 or v2 header, how long it
 * may take to arrive, and which peers may send one. Immutable.
 *
 * @param enabled   {@code proxy-protocol = on}.
 * @param timeoutNs {@code proxy-protocol-timeout}: a connection whose header is not complete by then is closed.
 * @param trusted   {@code proxy-protocol-trusted}: peers allowed to connect; empty = any.
 */
public record ProxyProtocolConfig(boolean enabled, long timeoutNs, List<Cidr> trusted)
{
    /**
     * @param peer the socket's peer address.
     * @return true when the trusted list is empty or holds the peer.
     */
    public boolean trusts(final InetAddress peer)
    {
        if (trusted.isEmpty())
        {
            return true;
        }
        for (final Cidr block : trusted)
        {
            if (block.contains(peer))
            {
                return true;
            }
        }
        return false;
    }
}
