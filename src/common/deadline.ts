import { setMaxListeners } from 'node:events';
import { StoreUnavailableError } from './domain-errors.js';

/**
 * `work`, unless `signal` aborts first: then StoreUnavailableError. For reads on the way to a
 * write (nothing stored yet), so that no request waits past its bound whatever storage does.
 */
export function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new StoreUnavailableError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StoreUnavailableError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** How far apart two sends may start and still share a bound's signal (SharedTimeouts). */
const SHARED_WITHIN_MS = 10;

/**
 * `AbortSignal.timeout(ms)`, shared by every caller that asks within the same 10 ms: one
 * signal, one timer and one registration per window instead of one per send (issue 13: at
 * thousands of sends a second those were a few percent of the CPU, and each timer lived for the
 * whole bound, long enough for the garbage collector to promote it). A caller's bound is then
 * between `ms` - 10 ms and `ms`: it may end a little early, never late. Callers must remove
 * the listeners they add (as `beforeDeadline` and the write batcher do), the signal being shared.
 */
export class SharedTimeouts {
  private current?: AbortSignal;
  private renewAt = 0;

  constructor(private readonly ms: number) {}

  signal(): AbortSignal {
    const now = performance.now();
    if (this.current === undefined || now >= this.renewAt) {
      this.current = AbortSignal.timeout(this.ms);
      // Hundreds of sends may wait on one window's signal: that is its use, not a leak.
      setMaxListeners(0, this.current);
      this.renewAt = now + SHARED_WITHIN_MS;
    }
    return this.current;
  }
}
