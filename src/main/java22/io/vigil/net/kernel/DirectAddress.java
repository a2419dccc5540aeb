package io.vigil.net.kernel;

import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.Buffer;
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
 * <p>Only a buffer whose memory the garbage collector frees qualifies: the caller keeps it reachable for the length
 * of the native call (the segment did that before). A buffer of an arena's segment ({@code asByteBuffer}, a file
 * mapped into an arena) is freed when its arena closes, whatever the buffer's reachability: only the segment path
 * acquires the arena for the call, and refuses a closed one (IllegalStateException, as the JDK's channels), where a
 * raw address would read or write freed memory.
 */
final class DirectAddress
{
    /** Offset of {@code Buffer.segment}, set for a buffer of an arena's memory; -1 when not found. */
    private static final long SEGMENT_FIELD = segmentField();

    /** Whether {@link #of(ByteBuffer)} agrees with {@code MemorySegment.ofBuffer} on this JDK. */
    static final boolean USABLE = agreesWithSegments();

    private DirectAddress()
    {
    }

    /**
     * @param buffer any buffer.
     * @return true when the buffer may go to a native call as {@link #of(ByteBuffer)}: direct, with memory the
     *         garbage collector frees (no arena), and this JDK agreeing with the check.
     */
    static boolean usable(final ByteBuffer buffer)
    {
        return USABLE && buffer.isDirect() && UnsafeApi.getReference(buffer, SEGMENT_FIELD) == null;
    }

    /**
     * @param direct a direct buffer, which the caller keeps reachable while the address is in use.
     * @return the native address of its byte at {@code position()}.
     */
    static long of(final ByteBuffer direct)
    {
        return BufferUtil.address(direct) + direct.position();
    }

    private static long segmentField()
    {
        try
        {
            return UnsafeApi.objectFieldOffset(Buffer.class, "segment");
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return -1;
        }
    }

    private static boolean agreesWithSegments()
    {
        if (SEGMENT_FIELD < 0)
        {
            return false;
        }
        try (Arena arena = Arena.ofConfined())
        {
            final ByteBuffer whole = ByteBuffer.allocateDirect(64);
            final ByteBuffer slice = whole.slice(8, 32).position(5);
            final ByteBuffer readOnly = slice.asReadOnlyBuffer().position(7);
            final ByteBuffer ofArena = arena.allocate(64).asByteBuffer().slice(8, 32);
            return of(whole.position(3)) == MemorySegment.ofBuffer(whole).address() &&
                of(slice) == MemorySegment.ofBuffer(slice).address() &&
                of(readOnly) == MemorySegment.ofBuffer(readOnly).address() &&
                UnsafeApi.getReference(readOnly, SEGMENT_FIELD) == null &&
                UnsafeApi.getReference(ofArena, SEGMENT_FIELD) != null;
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return false;
        }
    }
}
