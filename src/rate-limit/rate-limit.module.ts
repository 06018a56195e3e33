import { Module } from '@nestjs/common';
import type { Request } from 'express';
import { ThrottlerModule, type ThrottlerOptions } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config.js';
import { RedisClients } from '../redis/redis-clients.js';
import { InMemoryThrottlerStorage } from './in-memory-throttler.storage.js';
import { RATE_LIMITED_ACTIONS, rateLimitKey, rateLimitRules } from './rate-limits.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/**
 * Rate limits for HTTP routes marked with RateLimited(): @nestjs/throttler with one named
 * throttler per action, counted in this process, or in Redis when REDIS_URL is set so that
 * every process shares one budget.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RedisClients],
      useFactory: (config: AppConfig, redis: RedisClients | null) => {
        const rules = rateLimitRules(config);
        const throttlers: ThrottlerOptions[] = RATE_LIMITED_ACTIONS.map((action) => {
          const { rate, tracker } = rules[action];
          return {
            name: action,
            limit: rate?.limit ?? 0,
            ttl: rate?.windowMs ?? 1_000,
            // Refused until the window ends, no longer.
            blockDuration: 0,
            getTracker: (req) => tracker(req as Request),
            // Readable, and the same for a socket's sends (SendBudget): one budget per sender.
            generateKey: (_context, trackerKey, name) => rateLimitKey(name, trackerKey),
            skipIf: rate === null ? () => true : undefined,
          };
        });
        return {
          throttlers,
          storage: redis ? new RedisThrottlerStorage(redis) : new InMemoryThrottlerStorage(),
          // Only a refusal carries a header (Retry-After), so an accepted send stays as lean as before.
          setHeaders: false,
        };
      },
    }),
  ],
})
export class RateLimitModule {}
