import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisCommands } from './redis-commands.js';

/**
 * Provides RedisCommands when REDIS_URL is set, and null otherwise: callers then keep their
 * state in the process.
 */
@Module({
  providers: [
    {
      provide: RedisCommands,
      inject: [AppConfig],
      useFactory: ({ bus }: AppConfig): Promise<RedisCommands> | null =>
        bus.driver === 'redis' ? RedisCommands.connect(bus) : null,
    },
  ],
  exports: [RedisCommands],
})
export class RedisModule {}
