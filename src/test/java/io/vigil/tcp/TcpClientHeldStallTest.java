package io.vigil.tcp;

import io.vigil.net.UserTimeouts;
import io.vigil.session.CloseReason;
import io.vigil.session.Side;
import io.vigil.test.Await;
import io.vigil.test.EndlessWriter;
import io.vigil.test.Closer;
import io.vigil.test.TestUpstream;
import io.vigil.test.VigilHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tcp relay's half of "a client's stall is not the server's failure": a client that sends and never reads
 * fills Vigil's buffer towards it; Vigil stops reading the upstream (an echo), the echo blocks on writing and
 * stops reading, and the client's bytes wait for the upstream with no write progress. That is the client's doing,
 * so the upstream's user-timeout must not close the session as side=upstream (nor count a failure that, with the
 * default max-fails = 1, takes the server out for everyone). A control proves the same setup does close an
 * upstream that really stops reading.
 */
@Timeout(60)
class TcpClientHeldStallTest
{
    /** The upstream's user-timeout; the loop's write-stall sweep enforces it on JDKs without the kernel option. */
    private static final String UPSTREAM_USER_TIMEOUT = "1s";

    private static String config(final TestUpstream upstream)
    {
        return "vigil { event-loops = 1, listeners = [{ name = pub, listen = \"127.0.0.1:0\", upstream = up }], " +
            "upstreams { up { servers = [\"" + upstream.hostPort() + "\"], user-timeout = " +
            UPSTREAM_USER_TIMEOUT + " } } }";
    }

    @Test
    void shouldNotBlameTheUpstreamForAStallTheClientCaused() throws Exception
    {
        try (Closer closer = new Closer())
        {
            final TestUpstream echo = closer.keep(TestUpstream.loopback(TestUpstream.Mode.ECHO));
            final VigilHarness vigil = closer.keep(VigilHarness.start(config(echo)));

            final Socket uploader = closer.keep(new Socket());
            uploader.setReceiveBufferSize(4096); // and it never reads: the echo backs up into Vigil
            uploader.connect(vigil.address("pub"), 5000);
            final EndlessWriter upload = EndlessWriter.start(uploader, new byte[0]);

            // every buffer between the client and the echo is full: the upstream has had bytes waiting, with no
            // write progress, from about now on
            Await.until(upload::stalled, Duration.ofSeconds(20), "the upload to stall");
            // three times the user-timeout plus its sweep: without the guard the session closed as
            // user_timeout side=upstream within ~1.5 s
            final long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline)
            {
                assertFalse(vigil.closed().stream().anyMatch(c -> c.side() == Side.UPSTREAM),
                    "the upstream was blamed: " + vigil.closed());
                Thread.sleep(50);
            }
            assertEquals(0, vigil.closed().size(), "the held session is still open: " + vigil.closed());
            // a failure would make the only server unavailable for fail-timeout (max-fails = 1)
            try (Socket other = vigil.relayingClient("pub"))
            {
                assertEquals(2, echo.accepted(), "the upstream still takes sessions");
            }
        }
    }

    @Test
    void shouldCloseAsUpstreamUserTimeoutWhenTheUpstreamStopsReadingOnItsOwn() throws Exception
    {
        // the kernel's TCP_USER_TIMEOUT does not fire on loopback (the peer acknowledges its zero window): this
        // control is for the write-stall mechanism, the one the test above exercises on such a JDK
        assumeTrue(UserTimeouts.mechanism() == UserTimeouts.Mechanism.WRITE_STALL, UserTimeouts.describe());
        try (Closer closer = new Closer())
        {
            final TestUpstream hold = closer.keep(TestUpstream.loopback(TestUpstream.Mode.HOLD));
            final VigilHarness vigil = closer.keep(VigilHarness.start(config(hold)));

            final Socket uploader = closer.keep(VigilHarness.connect(vigil.address("pub")));
            final EndlessWriter upload = EndlessWriter.start(uploader, new byte[0]);

            final VigilHarness.Closed closed = vigil.awaitClosed(1, Duration.ofSeconds(20)).get(0);
            assertEquals(CloseReason.USER_TIMEOUT, closed.reason(), closed.toString());
            assertEquals(Side.UPSTREAM, closed.side(), closed.toString());
        }
    }
}
