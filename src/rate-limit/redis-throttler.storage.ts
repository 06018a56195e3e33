import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisClients } from '../redis/redis-clients.js';
import { InMemoryThrottlerStorage, type RateWindowHit, windowHit } from './in-memory-throttler.storage.js';

/** Counts a hit and returns [hits, ms left]; the first hit of a window starts its expiry. */
const HIT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return { hits, left }`;

/** At most one warning this often while Redis fails. */
const WARN_EVERY_MS = 10_000;

/**
 * Fixed-window counters in Redis, shared by every process of the deployment: a sender spread
 * over PM2 workers or hosts gets one budget, not one per process. One round trip per request
 * (a small Lua script: INCR, and PEXPIRE on a window's first hit). While Redis fails, each
 * process counts on its own rather than refusing or waving every request through.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly fallback = new InMemoryThrottlerStorage();
  private warnedAt = 0;

  private readonly countHit: (key: string, ttlMs: number) => Promise<[number, number]>;

  constructor(private readonly redis: RedisClients) {
    // Sent by its SHA after the first call (EVALSHA), not as text on every request.
    redis.commands.defineCommand('cohoraRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    const client = redis.commands as unknown as {
      cohoraRateHit(key: string, ttlMs: number): Promise<[number, number]>;
    };
    this.countHit = (key, ttlMs) => client.cohoraRateHit(key, ttlMs);
  }

  async increment(key: string, ttl: number, limit: number): Promise<RateWindowHit> {
    try {
      const [hits, left] = await this.countHit(this.redis.key('rate', key), ttl);
      return windowHit(hits, left, limit);
    } catch (error) {
      if (Date.now() - this.warnedAt > WARN_EVERY_MS) {
        this.warnedAt = Date.now();
        this.logger.warn(`Rate limits counted in this process only: Redis failed (${(error as Error).message})`);
      }
      return this.fallback.hit(key, ttl, limit);
    }
  }

  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
  }
}
