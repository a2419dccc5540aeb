package io.vigil.http;

import io.vigil.session.CloseReason;
import io.vigil.session.Side;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The closing phase (nginx's lingering close): Vigil's FIN is sent, and what the client still sends is read and
 * dropped until its FIN or for at most {@link #LINGER_NS}, so that unread bytes in the kernel do not turn the close
 * into a reset that destroys the last response on its way. Owned by the connection's loop.
 */
final class HttpLinger
{
    /** How long a closing connection keeps reading (and dropping) what the client still sends (nginx lingering). */
    static final long LINGER_NS = TimeUnit.SECONDS.toNanos(5);

    private final HttpConnection connection;
    private final ClientInput in;
    private final RequestIntake intake;
    private long startNs;

    HttpLinger(final HttpConnection connection, final ClientInput in, final RequestIntake intake)
    {
        this.connection = connection;
        this.in = in;
        this.intake = intake;
    }

    /**
     * Send the FIN and start lingering, or close when the client's FIN came first.
     */
    void start()
    {
        try
        {
            connection.clientChannel().shutdownOutput();
        }
        catch (final IOException failure)
        {
            connection.close(CloseReason.of(failure, false), Side.CLIENT);
            return;
        }
        if (in.eof)
        {
            connection.close(CloseReason.EOF, Side.CLIENT); // its FIN came before ours
            return;
        }
        connection.phase = HttpConnection.LINGER;
        startNs = connection.nowNs();
        in.discard();
    }

    /**
     * Read and drop what the client sent.
     *
     * @return true when bytes came (read again).
     */
    boolean step()
    {
        final int n = intake.readClient();
        if (n == ClientInput.FAILED)
        {
            return false;
        }
        in.discard(); // dropped: the client learns from our FIN that nothing more is answered
        if (n == -1)
        {
            connection.close(CloseReason.EOF, Side.PROXY);
            return false;
        }
        return n > 0;
    }

    /**
     * From the sweep: close when the client kept sending (or stayed silent without a FIN) for too long.
     *
     * @param nowNs the loop's time.
     */
    void sweep(final long nowNs)
    {
        if (nowNs - startNs >= LINGER_NS)
        {
            connection.close(CloseReason.EOF, Side.PROXY);
        }
    }
}
