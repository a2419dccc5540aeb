package io.vigil.net;

import io.vigil.test.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the kernel says about a socket Vigil is not reading, on real loopback sockets: a hang-up with bytes still
 * queued is not a failure (they must be read), a reset is.
 */
@Timeout(30)
class SocketProbeTest
{
    @Test
    void shouldNotCallAHangUpWithUnreadBytesAFailure() throws Exception
    {
        assertTrue(SocketProbe.available(), SocketProbe.unavailableReason());
        try (ServerSocketChannel server = ServerSocketChannel.open();
            Socket peer = new Socket())
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            peer.connect(server.getLocalAddress());
            try (SocketChannel local = server.accept())
            {
                local.shutdownOutput(); // our side done, as after forwarding the other side's FIN
                peer.getOutputStream().write(new byte[] {1, 2, 3});
                peer.shutdownOutput(); // the peer's FIN lands behind bytes we have not read: POLLHUP
                Await.until(() -> gone(peer.getLocalPort(), peer.getPort()), Duration.ofSeconds(5),
                    "the peer's FIN acknowledged");
                assertFalse(SocketProbe.hasFailed(local), "a hang-up with unread data is not a dead peer");
                assertEquals(0, SocketProbe.pendingError(local));
                final ByteBuffer bytes = ByteBuffer.allocate(8);
                assertEquals(3, local.read(bytes), "the bytes are still there");
                assertEquals(-1, local.read(bytes));
            }
        }
    }

    @Test
    void shouldCallAResetAFailure() throws Exception
    {
        try (ServerSocketChannel server = ServerSocketChannel.open();
            Socket peer = new Socket())
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            peer.connect(server.getLocalAddress());
            try (SocketChannel local = server.accept())
            {
                peer.setSoLinger(true, 0);
                peer.close(); // RST
                Await.until(() -> SocketProbe.hasFailed(local), Duration.ofSeconds(5), "POLLERR after a reset");
                assertEquals(Errno.ECONNRESET, SocketProbe.pendingError(local));
            }
        }
    }

    /** The peer's socket leaves LAST-ACK (and ss) once our kernel acknowledged its FIN; we read nothing. */
    private static boolean gone(final int peerPort, final int serverPort)
    {
        try
        {
            // both ports: an ephemeral port is reused by connections to other destinations
            final Process ss = new ProcessBuilder("ss", "-tanH", "sport = :" + peerPort + " and dport = :" + serverPort)
                .redirectErrorStream(true).start();
            final String out = new String(ss.getInputStream().readAllBytes());
            return ss.waitFor() == 0 && out.isBlank();
        }
        catch (final Exception ex)
        {
            return false;
        }
    }
}
