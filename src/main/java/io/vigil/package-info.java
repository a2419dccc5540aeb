/**
 * Vigil, a Layer-4 TCP proxy that frees dead peers with per-listener TCP keepalive. {@link io.vigil.cli.Vigil} is the
 * command line; {@link io.vigil.runtime.VigilServer} runs a configuration.
 */
package io.vigil;
