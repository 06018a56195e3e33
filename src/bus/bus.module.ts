import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DirectoryBus } from '../ports/directory.bus.js';
import { MessageBus } from '../ports/message.bus.js';
import { RedisClients } from '../redis/redis-clients.js';
import { LocalDirectoryBus } from './local-directory.bus.js';
import { LocalMessageBus } from './local-message.bus.js';
import { RedisDirectoryBus } from './redis-directory.bus.js';
import { RedisMessageBus } from './redis-message.bus.js';

/** Picks the buses (messages, directory) for the configured layout: in-process by default, Redis when REDIS_URL is set. */
@Global()
@Module({
  providers: [
    {
      provide: MessageBus,
      inject: [AppConfig, RedisClients],
      useFactory: ({ bus }: AppConfig, redis: RedisClients | null): MessageBus =>
        bus.driver === 'redis' && redis ? new RedisMessageBus(redis) : new LocalMessageBus(),
    },
    {
      provide: DirectoryBus,
      inject: [AppConfig, RedisClients],
      useFactory: ({ bus }: AppConfig, redis: RedisClients | null): DirectoryBus =>
        bus.driver === 'redis' && redis ? new RedisDirectoryBus(redis) : new LocalDirectoryBus(),
    },
  ],
  exports: [MessageBus, DirectoryBus],
})
export class BusModule {}
