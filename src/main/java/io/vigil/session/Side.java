package io.vigil.session;

/**
 * Which end of a session an event came from, as written in the access log.
 */
public enum Side
{
    /** The accepted (downstream) connection. */
    CLIENT("client"),
    /** The connection to the upstream server. */
    UPSTREAM("upstream"),
    /** Vigil's own decision: a timeout or shutdown. */
    PROXY("proxy");

    private final String logName;

    Side(final String logName)
    {
        this.logName = logName;
    }

    /**
     * @return the name written in the access log.
     */
    public String logName()
    {
        return logName;
    }
}
