package io.vigil.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;

/**
 * Checks that Vigil's own selector ({@code -Dvigil.sockets=kernel}) deregisters cancelled keys from their channels,
 * as {@link Selector} specifies: after a cancel and the next selection the channel is no longer registered, and it
 * can be registered with the same selector again (else {@code register} finds the cancelled key and throws
 * {@link java.nio.channels.CancelledKeyException}); closing a selector deregisters its channels too. Runs in a JVM
 * of the newer JDK ({@link KernelDeregisterTest} starts it); {@code main} prints "OK deregister" and exits 0.
 */
public final class KernelDeregisterCheck
{
    private static final long DEADLINE_MS = TimeUnit.SECONDS.toMillis(10);

    private KernelDeregisterCheck()
    {
    }

    /**
     * @param args none.
     * @throws Exception when a check fails.
     */
    public static void main(final String[] args) throws Exception
    {
        expect("kernel".equals(SocketLayer.name()), "the kernel layer is active: " + SocketLayer.describe());
        final SelectorProvider provider = SocketLayer.provider();
        try (ServerSocketChannel server = provider.openServerSocketChannel();
            Selector selector = provider.openSelector())
        {
            server.configureBlocking(false);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            checkRegisterAgainAfterCancel(server, selector);
        }
        try (ServerSocketChannel server = provider.openServerSocketChannel())
        {
            server.configureBlocking(false);
            final Selector closing = provider.openSelector();
            server.register(closing, SelectionKey.OP_ACCEPT);
            closing.close();
            expect(!server.isRegistered(), "closing the selector deregistered the channel");
        }
        System.out.println("OK deregister");
    }

    /** Cancel, select, register again with the same selector: a new key that works. */
    private static void checkRegisterAgainAfterCancel(final ServerSocketChannel server, final Selector selector)
        throws IOException
    {
        final SelectionKey first = server.register(selector, SelectionKey.OP_ACCEPT, "first");
        first.cancel();
        selector.selectNow();
        expect(!server.isRegistered(), "the next selection deregistered the cancelled key");
        expect(server.keyFor(selector) == null, "keyFor finds no cancelled key");
        final SelectionKey second = server.register(selector, SelectionKey.OP_ACCEPT, "second");
        expect(second != first && second.isValid(), "a new key");
        try (Socket client = new Socket())
        {
            client.connect(server.getLocalAddress(), (int)DEADLINE_MS);
            expect(selector.select(DEADLINE_MS) == 1 && selector.selectedKeys().contains(second) &&
                "second".equals(second.attachment()), "the new key reports the connection");
            selector.selectedKeys().clear();
            server.accept().close();
        }
    }

    private static void expect(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }
}
