/**
 * Counters without locks: each event loop writes its own flat array of longs ({@link io.vigil.stats.LoopCounters}),
 * laid out in blocks per listener, upstream, server and process ({@link io.vigil.stats.StatsLayout}); any thread
 * sums the loops into a {@link io.vigil.stats.StatsSnapshot} while they run. Histograms are counter slots too.
 */
package io.vigil.stats;
