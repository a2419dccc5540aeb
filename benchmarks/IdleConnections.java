/*
 * Idle-connection load for memory measurements; run with the JDK's source launcher (no build needed):
 *   java benchmarks/IdleConnections.java sink HOST:PORT              accept and hold connections forever
 *   java benchmarks/IdleConnections.java hold HOST:PORT COUNT SECS   open COUNT connections, hold SECS, close
 * "hold" prints "HELD n" once all are connected and each has moved one byte through the target
 * (so a proxy has fully set up each session), then sleeps. Raise `ulimit -n` first.
 */

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

public final class IdleConnections
{
    public static void main(final String[] args) throws Exception
    {
        final String[] hp = args[1].split(":");
        final InetSocketAddress address = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
        if ("sink".equals(args[0]))
        {
            sink(address);
        }
        else
        {
            hold(address, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        }
    }

    /** Accept everything; echo the first byte of each connection back, then keep it open and idle. */
    private static void sink(final InetSocketAddress address) throws IOException
    {
        final List<SocketChannel> held = new ArrayList<>();
        try (Selector selector = Selector.open(); ServerSocketChannel server = ServerSocketChannel.open())
        {
            server.bind(address, 4096);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            final ByteBuffer one = ByteBuffer.allocate(1);
            System.out.println("SINK " + address);
            while (true)
            {
                selector.select(key ->
                {
                    try
                    {
                        if (key.isAcceptable())
                        {
                            SocketChannel c;
                            while ((c = server.accept()) != null)
                            {
                                c.configureBlocking(false);
                                c.register(selector, SelectionKey.OP_READ);
                                held.add(c);
                            }
                        }
                        else if (key.isReadable())
                        {
                            final SocketChannel c = (SocketChannel)key.channel();
                            one.clear();
                            if (c.read(one) < 0)
                            {
                                key.cancel();
                                c.close();
                                return;
                            }
                            one.flip();
                            c.write(one);
                        }
                    }
                    catch (final IOException ex)
                    {
                        key.cancel();
                    }
                });
            }
        }
    }

    private static void hold(final InetSocketAddress address, final int count, final int seconds) throws Exception
    {
        final List<SocketChannel> channels = new ArrayList<>(count);
        final ByteBuffer one = ByteBuffer.allocate(1);
        for (int i = 0; i < count; i++)
        {
            final SocketChannel c = SocketChannel.open(address);
            one.clear().put((byte)1).flip();
            c.write(one);
            channels.add(c);
        }
        for (final SocketChannel c : channels)
        {
            one.clear();
            if (c.read(one) != 1)
            {
                throw new IOException("connection closed before its byte came back");
            }
        }
        System.out.println("HELD " + count);
        Thread.sleep(seconds * 1000L);
        for (final SocketChannel c : channels)
        {
            c.close();
        }
    }
}
