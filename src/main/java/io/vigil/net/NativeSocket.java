package io.vigil.net;

import java.io.IOException;

/**
 * A socket channel of Vigil's own socket layer (Java 22+, the default there): its descriptor and the
 * raw calls that {@link SocketFds}, {@link SocketProbe} and {@link ListeningSocketOptions} otherwise reach through
 * the JDK's {@code sun.nio.ch}. They check for this interface first. Thread safety: as the channel's.
 */
public interface NativeSocket
{
    /**
     * @return the file descriptor number, or -1 once closed.
     */
    int fd();

    /**
     * @param level  e.g. SOL_SOCKET = 1, IPPROTO_TCP = 6.
     * @param option the option's number at that level.
     * @param value  an int value.
     * @throws IOException when the kernel refuses.
     */
    void setIntOption(int level, int option, int value) throws IOException;

    /**
     * @param level  e.g. SOL_SOCKET = 1, IPPROTO_TCP = 6.
     * @param option the option's number at that level.
     * @return its int value.
     * @throws IOException when the kernel refuses.
     */
    int intOption(int level, int option) throws IOException;

    /**
     * @return poll(2)'s revents for POLLIN | POLLOUT without waiting (POLLERR = 8, POLLHUP = 16).
     * @throws IOException when closed.
     */
    int pollNow() throws IOException;
}
