package io.vigil.http.codec;

import java.nio.ByteBuffer;

/**
 * Finds a message head's lines as its bytes arrive: skips empty lines before the start line (RFC 9112 §2.2, at
 * most four), notes where the start line is, finds the blank line that ends the head, and enforces the size limits
 * (414 for a long request line, 431 for a long head; 400 for a response) so that the answer does not depend on how
 * the bytes were split. Each {@link #scan} resumes where the last one stopped. A bare LF ends a line; a bare CR
 * does not. What the lines say is {@link HttpHead}'s to validate.
 *
 * <p>Not thread safe; one per {@link HttpHead}.
 */
final class HeadLines
{
    private static final int MAX_LEADING_EMPTY_LINES = 4;

    private final boolean request;
    private final int maxRequestLine;
    private final int maxHead;
    private int scanPos;
    private int lineStart;
    private int firstLineEnd = -1;
    private int firstStart;
    private int headEnd;
    private HttpStatus refusal = HttpStatus.OK;

    /**
     * @param request        true for requests, false for responses.
     * @param maxRequestLine longest request line (or status line) accepted.
     * @param maxHead        longest head accepted, blank line included.
     */
    HeadLines(final boolean request, final int maxRequestLine, final int maxHead)
    {
        this.request = request;
        this.maxRequestLine = maxRequestLine;
        this.maxHead = maxHead;
    }

    /**
     * Forget the last message; the next scan starts at offset 0.
     */
    void reset()
    {
        scanPos = 0;
        lineStart = 0;
        firstLineEnd = -1;
        firstStart = 0;
        headEnd = 0;
        refusal = HttpStatus.OK;
    }

    /**
     * Look at the bytes from where the last call stopped up to {@code limit}.
     *
     * @param buffer the bytes, read with absolute gets (position and limit untouched).
     * @param limit  how many bytes are valid.
     * @return {@link HttpHead#NEED_MORE}, {@link HttpHead#DONE} (the blank line found; nothing validated yet) or
     *         {@link HttpHead#ERROR} (a limit passed; see {@link #refusal()}).
     */
    int scan(final ByteBuffer buffer, final int limit)
    {
        int pos = scanPos;
        while (pos < limit)
        {
            final int lf = HttpChars.indexOfLf(buffer, pos, limit);
            if (lf == limit)
            {
                pos = limit;
                break;
            }
            pos = lf + 1;
            final int lineEnd = lf; // the LF; a CR before it is part of the terminator
            final boolean empty = lineEnd == lineStart || lineEnd == lineStart + 1 && buffer.get(lineStart) == '\r';
            if (firstLineEnd < 0)
            {
                if (empty && lineStart < MAX_LEADING_EMPTY_LINES * 2)
                {
                    lineStart = pos; // RFC 9112 §2.2: ignore empty lines before the request line
                    continue;
                }
                if (lineEnd - lineStart > maxRequestLine)
                {
                    return startLineTooLong();
                }
                firstStart = lineStart; // after the empty lines skipped, not after any CR: a bare CR is no line end
                firstLineEnd = lineEnd;
            }
            else if (empty)
            {
                if (pos > maxHead)
                {
                    // the limit holds for a head that arrived whole in one read too
                    return refuse(request ? HttpStatus.HEADERS_TOO_LARGE : HttpStatus.BAD_REQUEST);
                }
                headEnd = pos;
                scanPos = pos;
                return HttpHead.DONE;
            }
            lineStart = pos;
        }
        scanPos = pos;
        if (firstLineEnd < 0 && limit - lineStart > maxRequestLine)
        {
            return startLineTooLong();
        }
        if (limit > maxHead)
        {
            return refuse(request ? HttpStatus.HEADERS_TOO_LARGE : HttpStatus.BAD_REQUEST);
        }
        return HttpHead.NEED_MORE;
    }

    /**
     * The start line passed max-request-line. Leading empty lines count toward max-header-size but not toward the
     * line, so with the two limits close together the head limit may have been passed first: answer for the limit
     * the bytes passed first, as a scan byte by byte would, so the answer does not depend on how they were split.
     */
    private int startLineTooLong()
    {
        if (!request)
        {
            return refuse(HttpStatus.BAD_REQUEST);
        }
        return refuse(maxHead < lineStart + maxRequestLine ? HttpStatus.HEADERS_TOO_LARGE : HttpStatus.URI_TOO_LONG);
    }

    private int refuse(final HttpStatus status)
    {
        refusal = status;
        return HttpHead.ERROR;
    }

    /**
     * @return the limit passed, when {@link #scan} said {@link HttpHead#ERROR}.
     */
    HttpStatus refusal()
    {
        return refusal;
    }

    /**
     * @return offset of the start line (empty lines before it skipped), once found.
     */
    int firstStart()
    {
        return firstStart;
    }

    /**
     * @return offset of the LF ending the start line, once found.
     */
    int firstLineEnd()
    {
        return firstLineEnd;
    }

    /**
     * @return offset just past the blank line, once found.
     */
    int headEnd()
    {
        return headEnd;
    }
}
