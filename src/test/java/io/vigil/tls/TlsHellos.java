package io.vigil.tls;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Real ClientHellos, made by the JDK's TLS client (no network), and the same handshake re-cut into records.
 */
final class TlsHellos
{
    private TlsHellos()
    {
    }

    /**
     * @param serverName the SNI to send, or null for none.
     * @param protocol   e.g. TLSv1.3 or TLSv1.2.
     * @return the client's first flight: one ClientHello record.
     */
    static byte[] clientHello(final String serverName, final String protocol)
    {
        try
        {
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, null, null);
            final SSLEngine engine = serverName == null ? context.createSSLEngine() :
                context.createSSLEngine(serverName, 443);
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(new String[] {protocol});
            final SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            engine.setSSLParameters(parameters);
            final ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), out);
            out.flip();
            final byte[] bytes = new byte[out.remaining()];
            out.get(bytes);
            return bytes;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @param record   one handshake record.
     * @param fragment payload bytes per record in the result.
     * @return the same handshake message cut into records of {@code fragment} bytes (the last one shorter).
     */
    static byte[] recut(final byte[] record, final int fragment)
    {
        final byte[] payload = Arrays.copyOfRange(record, 5, record.length);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int at = 0; at < payload.length; at += fragment)
        {
            final int n = Math.min(fragment, payload.length - at);
            out.write(record, 0, 3);
            out.write(n >> 8);
            out.write(n & 0xff);
            out.write(payload, at, n);
        }
        return out.toByteArray();
    }
}
