package io.vigil.net.kernel;

import org.agrona.BufferUtil;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The native address of a direct buffer's next byte, read without allocating: {@code MemorySegment.ofBuffer} costs
 * about 72 bytes (a segment and a session holding the buffer) on every read and write, which this layer must not
 * spend per packet. Agrona's {@link BufferUtil#address(ByteBuffer)} reads the buffer's address field through the
 * JDK's internal Unsafe, which Vigil already relies on (its buffer pool calls it per borrowed buffer; the jar exports
 * jdk.internal.misc to it). Checked once against {@code MemorySegment.ofBuffer} on a slice with a position: if the two
 * ever disagree (a future JDK laying out Buffer differently), {@link #USABLE} is false and callers keep the
 * allocating path.
 *
 * <p>The caller keeps the buffer reachable for the length of the native call (the segment did that before): a direct
 * buffer's memory is freed once its object is collected.
 */
final class DirectAddress
{
    /** Whether {@link #of(ByteBuffer)} agrees with {@code MemorySegment.ofBuffer} on this JDK. */
    static final boolean USABLE = agreesWithSegments();

    private DirectAddress()
    {
    }

    /**
     * @param direct a direct buffer, which the caller keeps reachable while the address is in use.
     * @return the native address of its byte at {@code position()}.
     */
    static long of(final ByteBuffer direct)
    {
        return BufferUtil.address(direct) + direct.position();
    }

    private static boolean agreesWithSegments()
    {
        try
        {
            final ByteBuffer whole = ByteBuffer.allocateDirect(64);
            final ByteBuffer slice = whole.slice(8, 32).position(5);
            final ByteBuffer readOnly = slice.asReadOnlyBuffer().position(7);
            return of(whole.position(3)) == MemorySegment.ofBuffer(whole).address() &&
                of(slice) == MemorySegment.ofBuffer(slice).address() &&
                of(readOnly) == MemorySegment.ofBuffer(readOnly).address();
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return false;
        }
    }
}
