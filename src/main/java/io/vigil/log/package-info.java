/**
 * What Vigil writes for people: the access log (loops format lines into their own buffers and publish them through
 * a lock-free ring that one writer thread drains to stdout) and {@link io.vigil.log.Log}, the one sink for notices
 * and errors (stderr, a level per line; one JSON object per line with {@code log-format = json}). Access-log lines
 * are key=value text or JSON ({@code access-log-format}).
 */
package io.vigil.log;
