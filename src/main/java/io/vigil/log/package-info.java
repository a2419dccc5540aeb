/**
 * The access log: loops format lines into their own buffers and publish them through a lock-free ring that one
 * writer thread drains to stdout.
 */
package io.vigil.log;
