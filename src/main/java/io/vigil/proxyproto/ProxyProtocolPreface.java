package io.vigil.proxyproto;

import io.vigil.config.ProxyProtocolConfig;
import io.vigil.session.Downstream;
import io.vigil.session.ListenerShard;
import io.vigil.session.SessionStarter;
import io.vigil.stats.RejectReason;

import java.net.InetSocketAddress;

/**
 * The first step on a listener with {@code proxy-protocol = on}: refuse a peer outside
 * {@code proxy-protocol-trusted}, then read the PROXY header ({@link ProxyHeaderRead}) and start the mode's
 * session (or the next preface step, such as reading a TLS ClientHello) with the client address the header
 * names. Stateless; shared by the listener's shards.
 */
public final class ProxyProtocolPreface implements SessionStarter
{
    private final SessionStarter next;

    /**
     * @param next what starts once the header is read: the mode's session, or another preface step.
     */
    public ProxyProtocolPreface(final SessionStarter next)
    {
        this.next = next;
    }

    @Override
    public void start(final ListenerShard shard, final Downstream client)
    {
        final ProxyProtocolConfig config = shard.listener().config().proxyProtocol();
        final InetSocketAddress peer = client.address();
        if (peer == null || !config.trusts(peer.getAddress()))
        {
            // no peer address: the socket was gone by the time it was accepted
            shard.onRejected((peer == null ? RejectReason.PROXY_CLOSED : RejectReason.PROXY_UNTRUSTED).ordinal());
            shard.loop().closeSoon(client.channel());
            return;
        }
        new ProxyHeaderRead(shard, client, next, config.timeoutNs()).begin();
    }
}
