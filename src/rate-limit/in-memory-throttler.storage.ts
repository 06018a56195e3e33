import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

export interface RateWindowHit {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/** How often windows that have ended are forgotten. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * Fixed-window counters in this process: one number and one deadline per key, O(1) per
 * request. The library's own storage keeps a timestamp per hit and filters them all on every
 * request, which costs O(limit) per send at the limits a busy sender needs. Over the limit, a
 * key stays refused until its window ends; times are in whole seconds, as Retry-After wants.
 * Single process only: with REDIS_URL, RedisThrottlerStorage shares the counters.
 */
export class InMemoryThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly windows = new Map<string, { hits: number; endsAt: number }>();
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {}

  increment(key: string, ttl: number, limit: number): Promise<RateWindowHit> {
    return Promise.resolve(this.hit(key, ttl, limit));
  }

  hit(key: string, ttlMs: number, limit: number): RateWindowHit {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + ttlMs };
      this.windows.set(key, window);
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
    }
    window.hits++;
    return windowHit(window.hits, window.endsAt - now, limit);
  }

  /** Keys counted at the moment; ended windows go at the next sweep. */
  get size(): number {
    return this.windows.size;
  }

  sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }
}

/** The record the throttler guard expects, for `hits` in a window that ends in `msLeft`. */
export function windowHit(hits: number, msLeft: number, limit: number): RateWindowHit {
  const timeToExpire = Math.max(1, Math.ceil(msLeft / 1_000));
  const isBlocked = hits > limit;
  return { totalHits: hits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
}
