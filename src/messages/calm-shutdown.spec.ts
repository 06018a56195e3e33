import { describe, expect, it, vi } from 'vitest';
import { closeInBatches, MIN_BATCH, planBatches } from './calm-shutdown.js';

describe(planBatches.name, () => {
  it('closes a few sockets at once and spreads many over the window', () => {
    expect(planBatches(0, 3_000)).toEqual({ batches: 1, intervalMs: 0 });
    expect(planBatches(MIN_BATCH, 3_000)).toEqual({ batches: 1, intervalMs: 0 });
    expect(planBatches(200, 2_000)).toEqual({ batches: 4, intervalMs: 500 });
    expect(planBatches(19_000, 3_000)).toEqual({ batches: 30, intervalMs: 100 });
    expect(planBatches(19_000, 0)).toEqual({ batches: 1, intervalMs: 0 });
  });
});

describe(closeInBatches.name, () => {
  it('closes every item once, in batches over the window, in random order', async () => {
    vi.useFakeTimers();
    try {
      const items = Array.from({ length: 200 }, (_, i) => i);
      const closedAt: [number, number][] = [];
      const done = closeInBatches(items, 2_000, (item) => closedAt.push([item, Date.now()]));
      await vi.runAllTimersAsync();
      await done;
      expect(closedAt.map(([item]) => item).sort((a, b) => a - b)).toEqual(items);
      expect(closedAt.map(([item]) => item)).not.toEqual(items);
      const times = [...new Set(closedAt.map(([, at]) => at))];
      expect(times).toHaveLength(4);
      const start = closedAt[0][1];
      // Each pause is the interval jittered by up to half of it either way.
      expect(times.at(-1)! - start).toBeGreaterThanOrEqual(3 * 250);
      expect(times.at(-1)! - start).toBeLessThanOrEqual(3 * 750);
    } finally {
      vi.useRealTimers();
    }
  });
});
