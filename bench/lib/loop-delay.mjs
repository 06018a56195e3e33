// The bench's side of loop-delay-probe.mjs: how to preload it into a server, and how to read
// the server's event-loop delay over a window (a signal, then the file it writes).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const PROBE = pathToFileURL(join(import.meta.dirname, 'loop-delay-probe.mjs')).href;
const READ_TIMEOUT_MS = 5_000;

/** node arguments and environment that preload the probe, writing to a file in `dir`. */
export function loopDelayProbe(dir) {
  return { nodeArgs: ['--import', PROBE], env: { BENCH_LOOP_DELAY_FILE: join(dir, 'loop-delay.json') } };
}

/**
 * A reader for the probe in process `pid`: `start()` opens a window (the histogram so far is
 * dropped), `end()` resolves with the delay since then: `{ p50Ms, p99Ms, p999Ms, maxMs, count,
 * over10ms, over50ms, over100ms }`.
 */
export function loopDelayReader(pid, file) {
  let seq = 0;
  const snapshot = async () => {
    process.kill(pid, 'SIGUSR2');
    const deadline = performance.now() + READ_TIMEOUT_MS;
    for (;;) {
      const last = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
      if (last && last.seq > seq) {
        seq = last.seq;
        return last;
      }
      if (performance.now() > deadline) throw new Error(`the event-loop probe of ${pid} did not answer within ${READ_TIMEOUT_MS} ms`);
      await sleep(10);
    }
  };
  return { start: snapshot, end: snapshot };
}
