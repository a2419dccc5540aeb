/**
 * A running Vigil ({@link io.vigil.runtime.VigilServer}): the loops and their threads, each loop's context (buffers,
 * balancer state and idle connections keyed by upstream group), configuration generations (one loaded config's
 * groups, listeners and shards; a session keeps the one it started in), bound listening sockets, start, graceful
 * stop, and the live read-out (counters, session list) for any thread.
 */
package io.vigil.runtime;
