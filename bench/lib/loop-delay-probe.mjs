// Preloaded into a server under test (`node --import <this file> server.js`): records how late
// its event loop runs (node:perf_hooks' monitorEventLoopDelay) so that a stall shows as a delay
// of the server itself, not only as a late frame at the generator. The same probe in every
// server kind, so all pay its cost alike. On SIGUSR2 it writes the histogram since the last
// signal to $BENCH_LOOP_DELAY_FILE (atomically, numbered) and starts a new one.
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Sampling interval (ms): a stall longer than this is measured to the millisecond. */
const RESOLUTION_MS = 5;
const file = process.env.BENCH_LOOP_DELAY_FILE;

if (file) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let seq = 0;
  // The histogram counts a timer that fired RESOLUTION_MS late as a delay of RESOLUTION_MS
  // plus the lateness; subtract the interval so 0 means "on time".
  const ms = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  process.on('SIGUSR2', () => {
    const snapshot = {
      seq: ++seq,
      count: histogram.count,
      p50Ms: ms(histogram.percentile(50)),
      p99Ms: ms(histogram.percentile(99)),
      p999Ms: ms(histogram.percentile(99.9)),
      maxMs: ms(histogram.max),
      // How many samples were late by more than 10, 50 and 100 ms: the stalls to look for.
      over10ms: countOver(histogram, 10 + RESOLUTION_MS),
      over50ms: countOver(histogram, 50 + RESOLUTION_MS),
      over100ms: countOver(histogram, 100 + RESOLUTION_MS),
    };
    histogram.reset();
    writeFileSync(`${file}.tmp`, JSON.stringify(snapshot));
    renameSync(`${file}.tmp`, file);
  });
}

/**
 * About how many samples were above `limitMs`: `percentiles` maps each percentile to its value,
 * ascending, so the share above the limit is 100 − the last percentile at or below it.
 */
function countOver(histogram, limitMs) {
  let atOrBelow = 0;
  for (const [percent, ns] of histogram.percentiles) {
    if (ns / 1e6 > limitMs) return Math.round(((100 - atOrBelow) / 100) * histogram.count);
    atOrBelow = percent;
  }
  return 0;
}
