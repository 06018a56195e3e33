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
