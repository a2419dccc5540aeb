/**
 * Upstream groups and their per-loop balancing state (smooth weighted round-robin).
 */
package io.vigil.upstream;
