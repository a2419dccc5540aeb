package io.vigil.session;

import io.vigil.loop.BufferPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One direction over real loopback sockets: a buffer is borrowed while bytes are in flight and given back once
 * they are written, so an idle direction holds no memory; EOF becomes a half-close.
 */
@Timeout(10)
class FlowTest
{
    @Test
    void shouldHoldABufferOnlyWhileBytesAreInFlightAndForwardEof() throws Exception
    {
        try (ServerSocketChannel server = ServerSocketChannel.open())
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel srcPeer = SocketChannel.open(server.getLocalAddress());
                SocketChannel src = server.accept();
                SocketChannel dst = SocketChannel.open(server.getLocalAddress());
                SocketChannel dstPeer = server.accept())
            {
                src.configureBlocking(false);
                dst.configureBlocking(false);
                final BufferPool pool = new BufferPool(4096, 8);
                final Flow flow = new Flow();
                flow.src = src;
                flow.dst = dst;

                srcPeer.write(ByteBuffer.wrap("hello".getBytes()));
                flow.readReady = true;
                while (flow.read(pool) == Flow.IDLE)
                {
                    flow.readReady = true; // the bytes may still be on their way through loopback
                }
                assertTrue(flow.buffer != null && flow.pending(), "bytes in flight hold a buffer");
                assertEquals(1, pool.allocated());

                flow.write(System.nanoTime());
                flow.releaseIfEmpty(pool);
                assertNull(flow.buffer, "all written: the buffer went back to the pool");
                assertEquals(1, pool.freeCount());
                final ByteBuffer received = ByteBuffer.allocate(16);
                dstPeer.read(received);
                assertEquals("hello", new String(received.array(), 0, received.position()));

                srcPeer.shutdownOutput();
                do
                {
                    flow.readReady = true;
                }
                while (flow.read(pool) == Flow.IDLE);
                assertTrue(flow.srcEof);
                flow.write(System.nanoTime());
                assertTrue(flow.finished(), "EOF forwarded");
                assertEquals(-1, dstPeer.read(ByteBuffer.allocate(1)), "the destination saw the half-close");
                flow.releaseIfEmpty(pool);
                assertEquals(1, pool.allocated(), "the same buffer was reused, none allocated");
            }
        }
    }

    @Test
    void shouldNameTheDestinationWhenAWriteFailsAndTheSourceWhenAReadFails() throws Exception
    {
        try (ServerSocketChannel server = ServerSocketChannel.open())
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel srcPeer = SocketChannel.open(server.getLocalAddress());
                SocketChannel src = server.accept();
                SocketChannel dst = SocketChannel.open(server.getLocalAddress());
                SocketChannel dstPeer = server.accept())
            {
                src.configureBlocking(false);
                dst.configureBlocking(false);
                final BufferPool pool = new BufferPool(4096, 8);
                final Flow flow = new Flow();
                flow.src = src;
                flow.dst = dst;

                resetByPeer(dstPeer);
                assertEquals(Flow.DST_FAILED, pumpUntilFailed(flow, pool, srcPeer), "the write side failed");
                assertNotNull(flow.failure);

                flow.failure = null;
                flow.release(pool);
                resetByPeer(srcPeer);
                assertEquals(Flow.SRC_FAILED, pumpUntilFailed(flow, pool, null), "the read side failed");
                assertNotNull(flow.failure);
            }
        }
    }

    private static void resetByPeer(final SocketChannel peer) throws Exception
    {
        peer.setOption(StandardSocketOptions.SO_LINGER, 0);
        peer.close();
    }

    /** Pump (feeding a byte a round when a feeder is given) until it fails or 5 s pass. */
    private static int pumpUntilFailed(final Flow flow, final BufferPool pool, final SocketChannel feeder)
        throws Exception
    {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline)
        {
            if (feeder != null)
            {
                feeder.write(ByteBuffer.wrap(new byte[] {1}));
            }
            flow.readReady = true;
            flow.writeReady = true;
            final int result = flow.pump(pool, System.nanoTime());
            if (result < Flow.IDLE)
            {
                return result;
            }
        }
        return Flow.IDLE;
    }
}
