import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisClients } from './redis-clients.js';

/**
 * The one way to Redis: provides RedisClients when REDIS_URL is set (config's `redis` section),
 * and null otherwise, so that the bus, rate limits and metrics keep their state in the process.
 */
@Global()
@Module({
  providers: [
    {
      provide: RedisClients,
      inject: [AppConfig],
      useFactory: ({ redis }: AppConfig): Promise<RedisClients> | null => (redis ? RedisClients.connect(redis) : null),
    },
  ],
  exports: [RedisClients],
})
export class RedisModule {}
