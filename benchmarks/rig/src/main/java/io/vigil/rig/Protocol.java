package io.vigil.rig;

import java.nio.ByteBuffer;

/**
 * What one request is and how its response ends: the rig's TCP request/response or HTTP/1.1.
 */
interface Protocol
{
    /**
     * @return the request bytes; the caller takes a duplicate per connection and rewinds it per request.
     */
    ByteBuffer request();

    /**
     * @return a reader for one connection's responses.
     */
    ResponseReader newReader();

    /**
     * @return "tcp" or "http".
     */
    String name();

    /** Follows one connection's responses as bytes arrive. */
    interface ResponseReader
    {
        /** The response is not complete yet. */
        int NEED_MORE = 0;
        /** The response is complete. */
        int DONE = 1;
        /** The bytes are not a valid response. */
        int INVALID = 2;

        /**
         * Consume bytes from {@code bytes}' position to its limit.
         *
         * @return {@link #NEED_MORE}, {@link #DONE} or {@link #INVALID}.
         */
        int consume(ByteBuffer bytes);

        /**
         * The connection ended: for a response delimited by the close, that completes it.
         *
         * @return {@link #DONE} when that completed the response, else {@link #INVALID}.
         */
        int onEof();

        /**
         * @return whether the response was a success (HTTP: 1xx-3xx; TCP: always).
         */
        boolean ok();

        /**
         * @return whether the server will close the connection after this response.
         */
        boolean closeAfter();

        /** Prepare for the next response. */
        void reset();
    }
}
