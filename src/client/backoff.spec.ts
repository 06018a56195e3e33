import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe(Backoff.name, () => {
  it('doubles the ceiling of each delay from the base up to the cap', () => {
    const backoff = new Backoff({ baseMs: 500, capMs: 30_000, random: () => 0.999999 });
    const delays = Array.from({ length: 9 }, () => backoff.next());
    expect(delays).toEqual([499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999]);
  });

  it('draws each delay uniformly below its ceiling (full jitter)', () => {
    const draws = [0, 0.5, 0.25];
    const backoff = new Backoff({ baseMs: 1000, capMs: 60_000, random: () => draws.shift()! });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 1000, 1000]);
  });

  it('starts again from the base after a reset', () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 10_000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.next();
    expect(backoff.failures).toBe(3);
    backoff.reset();
    expect(backoff.failures).toBe(0);
    expect(backoff.next()).toBe(50);
  });

  it('keeps to the cap after very many failures', () => {
    const backoff = new Backoff({ baseMs: 500, capMs: 30_000, random: () => 0.999999 });
    for (let i = 0; i < 2000; i++) backoff.next();
    expect(backoff.next()).toBe(29_999);
  });
});
