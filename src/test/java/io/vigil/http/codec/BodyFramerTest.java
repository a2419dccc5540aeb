package io.vigil.http.codec;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BodyFramerTest
{
    private static ByteBuffer bytes(final String text)
    {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void shouldForgetTheLastBodyWhenReArmed()
    {
        // found by fuzzing: none() kept the previous message's count
        final BodyFramer framer = new BodyFramer();
        final ByteBuffer body = bytes("last body");
        framer.untilClose();
        assertEquals(body.limit(), framer.advance(body, 0, body.limit()));
        assertEquals(body.limit(), framer.bodyBytes());
        framer.none();
        assertTrue(framer.complete());
        assertEquals(0, framer.bodyBytes(), "no body");
        framer.length(4);
        assertEquals(0, framer.bodyBytes());
        assertEquals(4, framer.advance(body, 0, body.limit()), "the body ends inside the range");
        assertTrue(framer.complete());
        framer.chunked();
        assertFalse(framer.complete());
        assertEquals(0, framer.bodyBytes());
    }
}
