import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { beforeDeadline, SharedTimeouts } from './deadline.js';
import { StoreUnavailableError } from './domain-errors.js';

describe(SharedTimeouts.name, () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives callers within 10 ms one signal, and a later caller a signal of its own', () => {
    const now = vi.spyOn(performance, 'now').mockReturnValue(1_000);
    const timeouts = new SharedTimeouts(3_000);
    const first = timeouts.signal();
    now.mockReturnValue(1_009);
    expect(timeouts.signal()).toBe(first);
    now.mockReturnValue(1_010);
    const later = timeouts.signal();
    expect(later).not.toBe(first);
    expect(later.aborted).toBe(false);
  });

  it('aborts the shared signal once the bound has passed, so every send waiting on it gives up', async () => {
    const started = performance.now();
    const signal = new SharedTimeouts(100).signal();
    const work = new Promise<never>(() => {});
    await expect(beforeDeadline(work, signal)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(beforeDeadline(work, signal)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('lets hundreds of sends wait on one signal without a listener-leak warning in the log', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    onTestFinished(() => void process.off('warning', onWarning));
    const signal = new SharedTimeouts(3_000).signal();
    const pending = Array.from({ length: 200 }, () => beforeDeadline(Promise.resolve(1), signal));
    expect(await Promise.all(pending)).toHaveLength(200);
    // Node emits the warning on the next tick after the 11th listener.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });
});
