/**
 * Configuration: HOCON read with Typesafe Config over the jar's {@code reference.conf}, turned once into
 * immutable records ({@link io.vigil.config.VigilConfig}, {@link io.vigil.config.ListenerConfig},
 * {@link io.vigil.config.UpstreamConfig}), with nginx's {@code so_keepalive} syntax
 * ({@link io.vigil.config.KeepAliveSyntax}) and time units ({@link io.vigil.config.NginxTime}). Every refusal is a
 * {@link io.vigil.config.ConfigError} naming the file, line and key. Includes go through {@code MissingIncludes}:
 * every include required, and refused with its file and line before anything is opened when it names a remote URL,
 * a FIFO or device, a file over 16 MiB, or a file already being read ({@code IncludedFiles}).
 */
package io.vigil.config;
