import { describe, expect, it } from 'vitest';
import { InMemoryThrottlerStorage } from './in-memory-throttler.storage.js';

describe(InMemoryThrottlerStorage.name, () => {
  it('counts hits per key in fixed windows and says how long a refusal lasts, in whole seconds', () => {
    let now = 0;
    const storage = new InMemoryThrottlerStorage(() => now);
    expect(storage.hit('a', 10_000, 2)).toMatchObject({ totalHits: 1, isBlocked: false, timeToBlockExpire: 0 });
    expect(storage.hit('a', 10_000, 2)).toMatchObject({ totalHits: 2, isBlocked: false });
    now = 2_500;
    expect(storage.hit('a', 10_000, 2)).toEqual({
      totalHits: 3,
      timeToExpire: 8,
      isBlocked: true,
      timeToBlockExpire: 8,
    });
    expect(storage.hit('b', 10_000, 2).isBlocked).toBe(false);
    now = 10_000;
    expect(storage.hit('a', 10_000, 2)).toMatchObject({ totalHits: 1, isBlocked: false });
    storage.onApplicationShutdown();
  });

  it('forgets windows that have ended at the next sweep', () => {
    let now = 0;
    const storage = new InMemoryThrottlerStorage(() => now);
    for (let i = 0; i < 100; i++) storage.hit(`k${i}`, 1_000, 5);
    storage.hit('late', 5_000, 5);
    now = 1_000;
    storage.sweep();
    expect(storage.size).toBe(1);
    storage.onApplicationShutdown();
  });
});
