package io.vigil.session;

import io.vigil.net.Errno;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What an operator reads in the access log for each way a socket can fail.
 */
class CloseReasonTest
{
    @Test
    void shouldCallAnEtimedoutOnAnIdleKeepaliveSocketTheKeepaliveVerdict()
    {
        assertEquals(CloseReason.KEEPALIVE_TIMEOUT, CloseReason.of(new IOException("Connection timed out"), true));
        assertEquals(CloseReason.KEEPALIVE_TIMEOUT, CloseReason.ofErrno(Errno.ETIMEDOUT, true));
    }

    @Test
    void shouldCallAnEtimedoutWithDataInFlightOrWithoutKeepaliveARetransmissionTimeout()
    {
        assertEquals(CloseReason.PEER_TIMEOUT, CloseReason.of(new IOException("Connection timed out"), false));
        assertEquals(CloseReason.PEER_TIMEOUT, CloseReason.ofErrno(Errno.ETIMEDOUT, false));
    }

    @Test
    void shouldClassifyResetsPipesAndTheRest()
    {
        assertEquals(CloseReason.RESET, CloseReason.of(new SocketException("Connection reset"), true));
        assertEquals(CloseReason.RESET, CloseReason.of(new IOException("Connection reset by peer"), false));
        assertEquals(CloseReason.RESET, CloseReason.of(new IOException("Broken pipe"), false));
        assertEquals(CloseReason.ERROR, CloseReason.of(new IOException("Too many open files"), false));
        assertEquals(CloseReason.ERROR, CloseReason.of(new IOException("what"), true));
        assertEquals(CloseReason.EOF, CloseReason.ofErrno(0, true));
        assertEquals(CloseReason.RESET, CloseReason.ofErrno(Errno.EPIPE, true));
    }
}
