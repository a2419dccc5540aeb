package io.vigil.net;

/**
 * Prints which socket layer this JVM got ({@link SocketLayer#name()}) and its start-up line, for
 * {@link SocketLayerDefaultTest}, which runs it on the newer JDK with and without {@code -Dvigil.sockets}.
 */
public final class SocketLayerDefaultCheck
{
    private SocketLayerDefaultCheck()
    {
    }

    /**
     * @param args unused.
     */
    public static void main(final String[] args)
    {
        System.out.println("layer=" + SocketLayer.name() + " " + SocketLayer.describe());
    }
}
