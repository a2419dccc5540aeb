package io.vigil.admin;

import io.vigil.config.AdminConfig;
import io.vigil.log.Log;
import io.vigil.loop.EventLoop;
import io.vigil.loop.SelectHandler;
import io.vigil.loop.SelectorIdleStrategy;
import io.vigil.runtime.VigilServer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The admin listener: an HTTP/1.1 endpoint on its own event loop thread ({@code vigil-admin}), never a data
 * loop's, serving {@link AdminRoutes}. At most {@link #MAX_CONNECTIONS} clients at once (more are closed at once),
 * each bounded in time and memory ({@link AdminConnection}); work per request is bounded by what it renders.
 */
public final class AdminServer implements AutoCloseable, SelectHandler
{
    /** Admin clients served at once. */
    static final int MAX_CONNECTIONS = 64;

    private final EventLoop loop = new EventLoop("vigil-admin", -1, 64);
    private final ServerSocketChannel server;
    private final AdminRoutes routes;
    private final AgentRunner runner;
    private final InetSocketAddress address;
    private final RequestBuffers.Pool buffers = new RequestBuffers.Pool(MAX_CONNECTIONS);

    private AdminServer(final ServerSocketChannel server, final AdminRoutes routes) throws IOException
    {
        this.server = server;
        this.routes = routes;
        this.address = (InetSocketAddress)server.getLocalAddress();
        loop.sweepEvery(TimeUnit.MILLISECONDS.toNanos(250));
        server.register(loop.selector(), SelectionKey.OP_ACCEPT, this);
        this.runner = new AgentRunner(new SelectorIdleStrategy(loop), ex -> Log.error("admin loop", ex), null, loop);
    }

    /**
     * Bind and start.
     *
     * @param config  the admin settings (enabled).
     * @param vigil   the running server.
     * @param version Vigil's version.
     * @param reload  what POST /reload does, or null.
     * @return the running admin listener.
     * @throws IllegalStateException when it cannot bind.
     */
    public static AdminServer start(
        final AdminConfig config, final VigilServer vigil, final String version,
        final Supplier<CompletableFuture<AdminResponseView>> reload)
    {
        ServerSocketChannel channel = null;
        try
        {
            channel = ServerSocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, Boolean.TRUE);
            channel.bind(config.listen(), 64);
            final AdminServer admin = new AdminServer(channel, new AdminRoutes(vigil, version,
                config.allowRemoteChanges(),
                reload == null ? null : () -> reload.get().thenApply(AdminResponseView::toResponse)));
            AgentRunner.startOnThread(admin.runner);
            return admin;
        }
        catch (final IOException ex)
        {
            CloseHelper.quietClose(channel);
            throw new IllegalStateException("admin: cannot listen on " + config.listen() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * @return the bound address (the real port when 0 was configured).
     */
    public InetSocketAddress address()
    {
        return address;
    }

    @Override
    public void onSelect(final SelectionKey key)
    {
        SocketChannel channel;
        try
        {
            while ((channel = server.accept()) != null)
            {
                if (loop.sessionCount() >= MAX_CONNECTIONS)
                {
                    CloseHelper.quietClose(channel); // busy: a client hammering the admin port gets no more
                    continue;
                }
                channel.configureBlocking(false);
                final AdminConnection connection = new AdminConnection(loop, channel, routes, buffers.take());
                try
                {
                    connection.start();
                }
                catch (final IOException ex)
                {
                    connection.close();
                }
            }
        }
        catch (final IOException ex)
        {
            // EMFILE and the like: the next select tries again
        }
    }

    @Override
    public void onFailure(final Exception ex)
    {
        Log.error("admin: accept failed", ex);
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(server);
        loop.terminate();
        runner.close();
    }
}
