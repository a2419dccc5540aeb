package io.vigil.log;

import java.io.PrintStream;
import java.time.Instant;

/**
 * The one sink for notices and errors (health changes, resolver changes, option failures, loop failures), on
 * stderr, one line each: a timestamp, a level and the message. Never on a per-packet path: callers log state
 * changes, and what happens per connection is counted instead.
 *
 * <p>Thread safety: any thread; lines are written whole.
 */
public final class Log
{
    /** Severity. */
    public enum Level
    {
        /** A state change an operator may want to see (a server came back, names resolved anew). */
        INFO,
        /** Something degraded that Vigil works around (a server down, an option refused). */
        WARN,
        /** A failure Vigil could not work around for some connection or task. */
        ERROR,
        /** Vigil cannot go on serving reliably and will exit. */
        FATAL
    }

    /** Null: whatever System.err is at the time (tests swap it). */
    private static volatile PrintStream out;
    private static volatile boolean json;

    private Log()
    {
    }

    /**
     * @param stream where lines go from now on (tests; stderr by default).
     */
    public static void to(final PrintStream stream)
    {
        out = stream;
    }

    /**
     * @param asJson write one JSON object per line ({@code time}, {@code level}, {@code message}, {@code stack})
     *               instead of text.
     */
    public static void json(final boolean asJson)
    {
        json = asJson;
    }

    /**
     * @param message what happened.
     */
    public static void info(final String message)
    {
        write(Level.INFO, message, null);
    }

    /**
     * @param message what happened.
     */
    public static void warn(final String message)
    {
        write(Level.WARN, message, null);
    }

    /**
     * @param message what happened.
     * @param cause   the exception, printed with its stack; may be null.
     */
    public static void error(final String message, final Throwable cause)
    {
        write(Level.ERROR, message, cause);
    }

    /**
     * @param message what happened.
     * @param cause   the exception, printed with its stack; may be null.
     */
    public static void fatal(final String message, final Throwable cause)
    {
        write(Level.FATAL, message, cause);
    }

    private static void write(final Level level, final String message, final Throwable cause)
    {
        final PrintStream stream = out != null ? out : System.err;
        synchronized (stream)
        {
            if (json)
            {
                final StringBuilder line = new StringBuilder(128).append("{\"time\":\"").append(Instant.now())
                    .append("\",\"level\":\"").append(level).append("\",\"message\":");
                quote(line, message);
                if (cause != null)
                {
                    final java.io.StringWriter stack = new java.io.StringWriter();
                    cause.printStackTrace(new java.io.PrintWriter(stack));
                    quote(line.append(",\"stack\":"), stack.toString());
                }
                stream.println(line.append('}'));
            }
            else
            {
                stream.println(Instant.now() + " " + level + " " + message);
                if (cause != null)
                {
                    cause.printStackTrace(stream);
                }
            }
            stream.flush();
        }
    }

    /** Append {@code text} as a JSON string. */
    static void quote(final StringBuilder into, final String text)
    {
        into.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> into.append("\\\"");
                case '\\' -> into.append("\\\\");
                case '\n' -> into.append("\\n");
                case '\r' -> into.append("\\r");
                case '\t' -> into.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        into.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        into.append(c);
                    }
                }
            }
        }
        into.append('"');
    }
}
