import { describe, expect, it } from 'vitest';
import { FrameRateLimiter } from './frame-rate-limiter.js';

describe(FrameRateLimiter.name, () => {
  it('allows the limit per window, refuses the next, and allows again in the next window', () => {
    let now = 1_000;
    const limiter = new FrameRateLimiter({ limit: 3, windowMs: 1_000 }, () => now);
    expect([limiter.allow(), limiter.allow(), limiter.allow(), limiter.allow()]).toEqual([true, true, true, false]);
    now += 999;
    expect(limiter.allow()).toBe(false);
    now += 1;
    expect(limiter.allow()).toBe(true);
  });
});
