/**
 * The command line: {@code vigil run | check | --version | --help} ({@link io.vigil.cli.Vigil}), the check report
 * and signal handling. Exit codes: 0, 1 configuration, 2 usage, 70 a loop died or got stuck.
 */
package io.vigil.cli;
