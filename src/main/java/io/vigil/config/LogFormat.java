package io.vigil.config;

/**
 * How log lines are written: {@code text} (key=value, for people and grep) or {@code json} (one object per line,
 * for log shippers).
 */
public enum LogFormat
{
    /** key=value pairs after a timestamp. */
    TEXT,
    /** One JSON object per line with the same fields. */
    JSON
}
